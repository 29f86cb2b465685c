//! The agents' durable state (redb): what survives a restart.
//!
//! Everything else (replica states, traces) is recomputed from L1 on demand.

use std::path::Path;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

const CURSORS: TableDefinition<'_, &str, u64> = TableDefinition::new("cursors");
const CLAIMS: TableDefinition<'_, u64, u8> = TableDefinition::new("claims");
const NODES: TableDefinition<'_, u64, u64> = TableDefinition::new("nodes");
/// Claims whose credit this agent withdrew (`claimCredit`): claim id → the L1 block it landed in.
const COLLECTED: TableDefinition<'_, u64, u64> = TableDefinition::new("collected");
/// Resolutions the agent saw land and waits to see deep before it stops watching: (kind, id) →
/// the L1 head when first seen, number (8, BE) ‖ hash (32). Kind 0: a game position; kind 1: an
/// unchallenged claim.
const SIGHTED: TableDefinition<'_, (u8, u64), [u8; 40]> = TableDefinition::new("sightings");
/// The block of a withdrawal a reorg dropped, until the agent withdraws again or confirms it.
const TO_CONFIRM: u64 = u64::MAX;

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
#[error("dispute store: {0}")]
pub struct StoreError(String);

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

/// What a resolution settles, for [`DisputeStore::sight`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Resolved {
    /// A game position (`resolveNode`).
    Position = 0,
    /// An unchallenged claim, settled without this agent (final, or its window passed).
    Claim = 1,
}

/// What an agent decided about a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ClaimMark {
    /// Right: the defender defends it; nothing to do for the challenger.
    Right = 0,
    /// Wrong: the challenger disputes it.
    Wrong = 1,
    /// Not judged: its parent is not the replica's state.
    NotFollowed = 2,
    /// No longer written (agents defend every right claim, not only their own); kept so an
    /// older store still opens.
    Own = 3,
    /// Done: the game resolved and credit was collected (or there is none).
    Settled = 4,
}

impl ClaimMark {
    const fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0 => Self::Right,
            1 => Self::Wrong,
            2 => Self::NotFollowed,
            3 => Self::Own,
            4 => Self::Settled,
            _ => return None,
        })
    }
}

/// A redb file holding one agent's cursors, claim marks and the game positions it follows.
#[derive(Debug)]
pub struct DisputeStore {
    db: Database,
}

impl DisputeStore {
    /// Opens (or creates) the store at `path`.
    ///
    /// # Errors
    /// [`StoreError`] when redb cannot open the file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let db = Database::create(path).map_err(err)?;
        let tx = db.begin_write().map_err(err)?;
        tx.open_table(CURSORS).map_err(err)?;
        tx.open_table(CLAIMS).map_err(err)?;
        tx.open_table(NODES).map_err(err)?;
        tx.open_table(COLLECTED).map_err(err)?;
        tx.open_table(SIGHTED).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(Self { db })
    }

    /// Cursor `name` (0 when unset).
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn cursor(&self, name: &str) -> Result<u64, StoreError> {
        let tx = self.db.begin_read().map_err(err)?;
        let t = tx.open_table(CURSORS).map_err(err)?;
        Ok(t.get(name).map_err(err)?.map_or(0, |v| v.value()))
    }

    /// Sets cursor `name`.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn set_cursor(&self, name: &str, value: u64) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(err)?;
        tx.open_table(CURSORS).map_err(err)?.insert(name, value).map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Marks claim `id`.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn mark(&self, id: u64, mark: ClaimMark) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(err)?;
        tx.open_table(CLAIMS).map_err(err)?.insert(id, mark as u8).map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Claims with `mark`, ascending.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn marked(&self, mark: ClaimMark) -> Result<Vec<u64>, StoreError> {
        let tx = self.db.begin_read().map_err(err)?;
        let t = tx.open_table(CLAIMS).map_err(err)?;
        let mut out = Vec::new();
        for row in t.iter().map_err(err)? {
            let (k, v) = row.map_err(err)?;
            if ClaimMark::from_u8(v.value()) == Some(mark) {
                out.push(k.value());
            }
        }
        Ok(out)
    }

    /// Records position `id` of claim `claim`'s game as one this agent follows until it settles.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn add_node(&self, id: u64, claim: u64) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(err)?;
        tx.open_table(NODES).map_err(err)?.insert(id, claim).map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Forgets position `id` (settled).
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn remove_node(&self, id: u64) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(err)?;
        tx.open_table(NODES).map_err(err)?.remove(id).map_err(err)?;
        tx.commit().map_err(err)
    }

    /// The L1 head (number, hash) at which the agent first saw the resolution of `what` `id`,
    /// if it did ([`Self::sight`]).
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn sighting(&self, what: Resolved, id: u64) -> Result<Option<(u64, [u8; 32])>, StoreError> {
        let r = self.db.begin_read().map_err(err)?;
        let row = r.open_table(SIGHTED).map_err(err)?.get((what as u8, id)).map_err(err)?;
        Ok(row.map(|v| {
            let v = v.value();
            let number = u64::from_be_bytes(v[..8].try_into().expect("8 bytes"));
            (number, v[8..].try_into().expect("32 bytes"))
        }))
    }

    /// Records that the agent sees the resolution of `what` `id` on L1 at head block `number`
    /// with hash `hash`, replacing an earlier sighting.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn sight(
        &self,
        what: Resolved,
        id: u64,
        number: u64,
        hash: [u8; 32],
    ) -> Result<(), StoreError> {
        let mut v = [0u8; 40];
        v[..8].copy_from_slice(&number.to_be_bytes());
        v[8..].copy_from_slice(&hash);
        let tx = self.db.begin_write().map_err(err)?;
        tx.open_table(SIGHTED).map_err(err)?.insert((what as u8, id), v).map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Forgets a sighting of `what` `id`'s resolution ([`Self::sight`]): L1 no longer shows it
    /// (a reorg dropped it), or it is deep enough and no longer watched. Writes only when there
    /// is one.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn unresolved(&self, what: Resolved, id: u64) -> Result<(), StoreError> {
        let r = self.db.begin_read().map_err(err)?;
        if r.open_table(SIGHTED).map_err(err)?.get((what as u8, id)).map_err(err)?.is_none() {
            return Ok(());
        }
        drop(r);
        let tx = self.db.begin_write().map_err(err)?;
        tx.open_table(SIGHTED).map_err(err)?.remove((what as u8, id)).map_err(err)?;
        tx.commit().map_err(err)
    }

    /// After an L1 reorg left `claims` claims and `nodes` game positions: forgets the marks of
    /// claims and the positions past them, and every sighting of a resolution (they are counted
    /// again from the new chain), and moves the cursors back to them, in one write, so that
    /// whatever takes those ids on the new chain is judged and followed afresh.
    ///
    /// # Errors
    /// [`StoreError`]; nothing is written then.
    pub fn rewind(&self, claims: u64, nodes: u64) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(err)?;
        {
            tx.open_table(CLAIMS).map_err(err)?.retain(|id, _| id < claims).map_err(err)?;
            tx.open_table(NODES).map_err(err)?.retain(|id, _| id < nodes).map_err(err)?;
            tx.open_table(SIGHTED).map_err(err)?.retain(|_, _| false).map_err(err)?;
            let mut cursors = tx.open_table(CURSORS).map_err(err)?;
            for (name, bound) in [("claims", claims), ("nodes", nodes)] {
                let at = cursors.get(name).map_err(err)?.map_or(0, |v| v.value());
                cursors.insert(name, at.min(bound)).map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// Records that this agent's `claimCredit` of claim `id` landed in L1 block `block`.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn collected(&self, id: u64, block: u64) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(err)?;
        tx.open_table(COLLECTED).map_err(err)?.insert(id, block).map_err(err)?;
        tx.commit().map_err(err)
    }

    /// After a reorg from block `fork`: the claims whose `claimCredit` landed at or after it are
    /// marked `mark` again (they were `Settled`), so that the agent collects their credit anew
    /// where the new chain still owes it, and their withdrawals are to be confirmed
    /// ([`Self::to_confirm`]); returns them. Those already to be confirmed are not returned
    /// again. One write.
    ///
    /// # Errors
    /// [`StoreError`]; nothing is written then.
    pub fn uncollect_since(&self, fork: u64, mark: ClaimMark) -> Result<Vec<u64>, StoreError> {
        let tx = self.db.begin_write().map_err(err)?;
        let mut out = Vec::new();
        {
            let mut collected = tx.open_table(COLLECTED).map_err(err)?;
            for row in collected.iter().map_err(err)? {
                let (k, v) = row.map_err(err)?;
                if v.value() >= fork && v.value() != TO_CONFIRM {
                    out.push(k.value());
                }
            }
            let mut claims = tx.open_table(CLAIMS).map_err(err)?;
            for id in &out {
                collected.insert(id, TO_CONFIRM).map_err(err)?;
                let settled = claims.get(id).map_err(err)?.map(|v| v.value());
                if settled == Some(ClaimMark::Settled as u8) {
                    claims.insert(id, mark as u8).map_err(err)?;
                }
            }
        }
        tx.commit().map_err(err)?;
        Ok(out)
    }

    /// Whether claim `id`'s withdrawal was dropped by a reorg ([`Self::uncollect_since`]) and
    /// not made or seen since. When the new chain owes nothing, it holds the withdrawal all the
    /// same (the same `claimCredit`, included again): the agent then records it at the head
    /// ([`Self::collected`]), at or after wherever it landed, so that a later reorg that drops
    /// it is noticed.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn to_confirm(&self, id: u64) -> Result<bool, StoreError> {
        let r = self.db.begin_read().map_err(err)?;
        let block = r.open_table(COLLECTED).map_err(err)?.get(id).map_err(err)?.map(|v| v.value());
        Ok(block == Some(TO_CONFIRM))
    }

    /// The positions this agent follows, as `(position, claim)`, ascending.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn nodes(&self) -> Result<Vec<(u64, u64)>, StoreError> {
        let tx = self.db.begin_read().map_err(err)?;
        let t = tx.open_table(NODES).map_err(err)?;
        let mut out = Vec::new();
        for row in t.iter().map_err(err)? {
            let (k, v) = row.map_err(err)?;
            out.push((k.value(), v.value()));
        }
        Ok(out)
    }
}
