//! An application's side of the aggregator's RPC: it sends its proofs with a fee voucher from
//! its prepaid balance, and waits until they are in a batch verified on chain.
//!
//! The aggregator is not trusted with anything the payer signs or relies on:
//! - the contract a voucher's EIP-712 domain names is the caller's (for the rollup, its
//!   `AggregatedZkVerifier.AGGREGATOR`), not the one the aggregator reports;
//! - the fee is the contract's `feePerProof`, and a submitter signs none above its cap
//!   ([`Submitter::new`]): the aggregator's operator may raise the fee at any moment;
//! - a voucher extends the payer's charged head (`chargedChainOf`) or one of this submitter's
//!   own links after it; the aggregator's `aggregator_getChainHead` only picks among those;
//! - no chain ever holds two links of one submission (the contract would charge both): a
//!   submission is re-sent with its first voucher while that link is on the chain the
//!   aggregator holds, linked anew only off it, and never signed again once charged
//!   ([`ClientError::AlreadyCharged`]), whatever the aggregator answers;
//! - an inclusion path counts only once `isProofVerified` accepts it on L1.
//!
//! The links live in memory: after a restart, a submission whose link the aggregator charged but
//! whose path it withholds can be linked, and charged, once more. One payer key belongs to one
//! submitter: a second one sharing it forks the chain, and the fork's submissions are refused.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
    time::Duration,
};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, B256, FixedBytes, U256};
use jsonrpsee::{
    core::ClientError as RpcError,
    http_client::{HttpClient, HttpClientBuilder},
};
use tribunal_contracts::ProofAggregator;
use tribunal_l1::{L1, L1Error, view};

use crate::{
    batch::{Entry, FeeVoucher, submission_id},
    rpc::{AggregatorApiClient, Inclusion, codes},
    store::Status,
};

/// The longest Merkle path a submitter accepts: a batch of 2^32 proofs.
pub const MAX_PATH: usize = 32;

/// Why a proof did not get verified through the aggregator.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The RPC call failed (transport, or the service's own failure): retry.
    #[error("aggregator RPC {url}: {source}")]
    Rpc {
        /// The endpoint.
        url: String,
        /// The failure.
        source: RpcError,
    },
    /// The aggregator refused the submission (a bad proof, a voucher it does not accept, a
    /// balance too low: the message says which; codes in [`codes`]). Nothing was stored.
    #[error("the aggregator refused the submission ({code}): {message}")]
    Refused {
        /// The JSON-RPC error code.
        code: i32,
        /// Its message.
        message: String,
    },
    /// The submission's link is charged (the aggregator was paid for it): it is not signed
    /// again; its path is what to wait for.
    #[error("submission {id} is charged already: waiting for its path, not signing it again")]
    AlreadyCharged {
        /// The submission id.
        id: B256,
    },
    /// The contract's fee per proof is above this submitter's cap: nothing was signed.
    #[error("fee per proof {fee_per_proof} wei is above the cap of {cap} wei")]
    FeeAboveCap {
        /// `feePerProof`, in wei.
        fee_per_proof: U256,
        /// The cap, in wei.
        cap: U256,
    },
    /// Reading L1 failed (the fee, the charged head, the chain id, an inclusion check).
    #[error(transparent)]
    L1(#[from] L1Error),
    /// No path the contract accepts came in the time given; the submission stays queued.
    #[error("submission {id} not verified within {secs} s")]
    Timeout {
        /// The submission id.
        id: B256,
        /// The wait, in seconds.
        secs: u64,
    },
}

impl ClientError {
    /// Whether trying again later may succeed without anything changing on this side (the
    /// transport, L1, or a proof not batched yet).
    pub fn is_temporary(&self) -> bool {
        match self {
            Self::Rpc { .. } | Self::Timeout { .. } => true,
            Self::L1(e) => e.is_temporary(),
            Self::Refused { .. } | Self::AlreadyCharged { .. } | Self::FeeAboveCap { .. } => false,
        }
    }
}

/// One submission's link in the payer's voucher chain, and the voucher that signed it.
#[derive(Clone, Debug)]
struct Link {
    /// The submission.
    id: B256,
    /// The head it extends.
    parent: FixedBytes<20>,
    /// The head with it.
    chain: FixedBytes<20>,
    /// Its voucher; `None` once the submission is verified.
    voucher: Option<FeeVoucher>,
    /// Seen on the charged chain: the submission is paid for.
    charged: bool,
}

/// Every link this submitter signed for one contract that still matters: the ones a charge may
/// reach, and the charged ones of submissions not verified yet. A submission linked anew keeps
/// its older links: the aggregator holds their vouchers, and any of them charged means the
/// submission is.
#[derive(Debug, Default)]
struct Book {
    /// Each link, by the head it makes.
    by_chain: HashMap<FixedBytes<20>, Link>,
    /// The charged head last marked ([`Self::mark_charged`]).
    seen: Option<FixedBytes<20>>,
}

impl Book {
    fn by_chain(&self, chain: FixedBytes<20>) -> Option<&Link> {
        self.by_chain.get(&chain)
    }

    /// `id`'s links.
    fn of(&self, id: B256) -> impl Iterator<Item = &Link> {
        self.by_chain.values().filter(move |l| l.id == id)
    }

    /// Marks the links from `charged` back to the charged head marked before as charged.
    /// Only links this payer signed can be charged to it, so the walk passes only through
    /// links of this book (a link signed before a restart ends it).
    fn mark_charged(&mut self, charged: FixedBytes<20>) {
        let mut head = charged;
        for _ in 0..=self.by_chain.len() {
            if Some(head) == self.seen {
                break;
            }
            match self.by_chain.get_mut(&head) {
                Some(l) if !l.charged => {
                    l.charged = true;
                    head = l.parent;
                }
                _ => break,
            }
        }
        self.seen = Some(charged);
    }

    /// Drops `id`'s vouchers: it is verified, and never submitted again.
    fn verified(&mut self, id: B256) {
        for l in self.by_chain.values_mut().filter(|l| l.id == id) {
            l.voucher = None;
        }
    }

    /// Forgets the links that no longer matter: charged ones of verified submissions, and ones
    /// no charge can reach (off the chain from the charged head: `reach` is what it may reach).
    fn prune(&mut self, reach: &HashSet<FixedBytes<20>>) {
        self.by_chain.retain(
            |chain, l| {
                if l.charged { l.voucher.is_some() } else { reach.contains(chain) }
            },
        );
    }

    /// Whether `link` is on the chain ending at `head`: its head or an ancestor of it. For the
    /// charged head: whether it is charged. Only links this payer signed can be charged to it,
    /// so the walk back passes only through them.
    fn leads_to(&self, link: &Link, head: FixedBytes<20>) -> bool {
        let mut head = head;
        for _ in 0..=self.by_chain.len() {
            if head == link.chain {
                return true;
            }
            match self.by_chain(head) {
                Some(l) => head = l.parent,
                None => return false,
            }
        }
        false
    }

    /// `charged` and every head of a link descending from it: what a charge may still reach.
    fn reachable(&self, charged: FixedBytes<20>) -> HashSet<FixedBytes<20>> {
        let mut children: HashMap<FixedBytes<20>, Vec<FixedBytes<20>>> = HashMap::new();
        for l in self.by_chain.values() {
            children.entry(l.parent).or_default().push(l.chain);
        }
        let mut reach = HashSet::from([charged]);
        let mut next = vec![charged];
        while let Some(h) = next.pop() {
            for c in children.get(&h).into_iter().flatten() {
                if reach.insert(*c) {
                    next.push(*c);
                }
            }
        }
        reach
    }
}

/// An off-chain submitter: one aggregator endpoint and the key that pays from its prepaid
/// balance (`ProofAggregator.deposit`). Clones share its links.
#[derive(Clone)]
pub struct Submitter {
    url: String,
    client: HttpClient,
    payer: PrivateKeySigner,
    max_fee_per_proof: U256,
    /// The links signed, per contract. Held across a whole submission, so that two of them
    /// never extend the same head.
    books: Arc<tokio::sync::Mutex<HashMap<Address, Book>>>,
}

impl std::fmt::Debug for Submitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submitter")
            .field("url", &self.url)
            .field("payer", &self.payer.address())
            .field("max_fee_per_proof", &self.max_fee_per_proof)
            .finish_non_exhaustive()
    }
}

impl Submitter {
    /// A submitter to the aggregator at `url` (`http://host:port`), paying from `payer`'s
    /// prepaid balance at most `max_fee_per_proof` wei per proof. Nothing is sent yet.
    ///
    /// # Errors
    /// [`ClientError::Rpc`] when `url` is not an HTTP URL.
    pub fn new(
        url: &str,
        payer: PrivateKeySigner,
        max_fee_per_proof: U256,
    ) -> Result<Self, ClientError> {
        let client = HttpClientBuilder::default()
            .build(url)
            .map_err(|source| ClientError::Rpc { url: url.into(), source })?;
        Ok(Self { url: url.into(), client, payer, max_fee_per_proof, books: Default::default() })
    }

    /// The payer's address.
    pub fn payer(&self) -> Address {
        self.payer.address()
    }

    fn rpc(&self, source: RpcError) -> ClientError {
        match source {
            RpcError::Call(e) if e.code() != codes::INTERNAL => {
                ClientError::Refused { code: e.code(), message: e.message().into() }
            }
            source => ClientError::Rpc { url: self.url.clone(), source },
        }
    }

    /// Where `entry`'s proof id was verified in `contract`, if it was (by anyone's submission:
    /// the id is the circuit and the public inputs, not the proof bytes). A path the aggregator
    /// serves counts only if it is for this proof id, at most [`MAX_PATH`] long, and
    /// `isProofVerified` accepts it on `l1`.
    ///
    /// # Errors
    /// [`ClientError::Rpc`], [`ClientError::L1`].
    pub async fn inclusion(
        &self,
        l1: &impl L1,
        contract: Address,
        entry: &Entry,
    ) -> Result<Option<Inclusion>, ClientError> {
        let found = self.client.get_inclusion(entry.circuit_id, entry.inputs.clone()).await;
        let Some(found) = found.map_err(|e| self.rpc(e))? else { return Ok(None) };
        if found.proof_id != entry.proof_id() || found.merkle_proof.len() > MAX_PATH {
            return Ok(None);
        }
        let call = ProofAggregator::isProofVerifiedCall {
            _circuitId: entry.circuit_id,
            _publicInputs: entry.inputs.clone(),
            _merkleProof: found.merkle_proof.clone(),
        };
        Ok(view(l1, contract, call).await?.then_some(found))
    }

    /// Submits `entries` (1 to 16 proofs) to be aggregated into `contract`, at its fee per
    /// proof. A new link extends the head the aggregator holds for the payer when that is the
    /// charged head on `l1` or one of this submitter's links after it, else the charged head.
    /// A submission linked before goes again with the voucher it had when its link is on that
    /// chain, and is linked anew when it is not (the two links then never share a chain, so at
    /// most one is charged); a charged one is not sent. An answer that the aggregator already
    /// holds the submission is not an error. Returns the submission id.
    ///
    /// # Errors
    /// [`ClientError::AlreadyCharged`] (nothing sent: wait for its path);
    /// [`ClientError::FeeAboveCap`] (nothing signed); [`ClientError::Refused`] with the
    /// aggregator's reason; [`ClientError::L1`]; [`ClientError::Rpc`].
    pub async fn submit(
        &self,
        l1: &impl L1,
        contract: Address,
        entries: Vec<Entry>,
    ) -> Result<B256, ClientError> {
        let id = submission_id(&entries);
        let mut books = self.books.lock().await;
        let book = books.entry(contract).or_default();
        let call = ProofAggregator::chargedChainOfCall { _submitter: self.payer() };
        let charged = view(l1, contract, call).await?;
        book.mark_charged(charged);
        let reach = book.reachable(charged);
        book.prune(&reach);
        // The head the aggregator holds, if it is one a charge may still reach (one of ours).
        let theirs = self.client.get_chain_head(self.payer()).await;
        let head = theirs.ok().filter(|h| reach.contains(h)).unwrap_or(charged);
        let paid = book.of(id).any(|l| l.charged);
        let on_head = book.of(id).find(|l| book.leads_to(l, head)).cloned();
        let voucher = match (paid, on_head) {
            (true, _) => return Err(ClientError::AlreadyCharged { id }),
            // On the chain the aggregator holds: it has this voucher; nothing new is signed.
            // (A new link from there would put the submission on one chain twice.)
            (false, Some(old)) => old.voucher.ok_or(ClientError::AlreadyCharged { id })?,
            // No link, or none on the chain from the charged head through `head`: a new link
            // from `head` never shares a chain with an old one.
            (false, None) => {
                let per_proof = view(l1, contract, ProofAggregator::feePerProofCall {}).await?;
                if per_proof > self.max_fee_per_proof {
                    return Err(ClientError::FeeAboveCap {
                        fee_per_proof: per_proof,
                        cap: self.max_fee_per_proof,
                    });
                }
                let fee = per_proof * U256::from(entries.len());
                let chain_id = l1.chain_id().await?;
                let voucher = FeeVoucher::sign(&self.payer, head, id, fee, chain_id, contract);
                let link = Link {
                    id,
                    parent: head,
                    chain: voucher.chain,
                    voucher: Some(voucher.clone()),
                    charged: false,
                };
                book.by_chain.insert(link.chain, link);
                voucher
            }
        };
        match self.client.submit(entries, voucher).await {
            Ok(_) => Ok(id),
            Err(RpcError::Call(e)) if e.code() == codes::DUPLICATE => Ok(id),
            // The link stays: its voucher is signed, and is what goes again while it may be
            // charged.
            Err(e) => Err(self.rpc(e)),
        }
    }

    /// `entry`'s proof verified in `contract`: its inclusion path at once if it already is, or
    /// after submitting it alone (see [`Self::submit`]) and polling every `every` (at least
    /// 100 ms) for at most `wait`. A submission the aggregator reports rejected, or does not
    /// know, is submitted again on the next poll (with its first voucher while that may be
    /// charged). Once verified, its voucher is forgotten.
    ///
    /// # Errors
    /// [`ClientError::Timeout`] past `wait` (calling again waits on); those of [`Self::submit`]
    /// but [`ClientError::AlreadyCharged`] (then it waits for the path), a temporary one (then
    /// it polls on) and a first refused voucher (then it tries again); those of
    /// [`Self::inclusion`].
    pub async fn verified(
        &self,
        l1: &impl L1,
        contract: Address,
        entry: Entry,
        wait: Duration,
        every: Duration,
    ) -> Result<Inclusion, ClientError> {
        let id = submission_id(std::slice::from_ref(&entry));
        let deadline = tokio::time::Instant::now() + wait;
        let every = every.max(Duration::from_millis(100));
        // A refused voucher is retried once (a fee changed, or the aggregator's head moved:
        // the next try links anew); refused twice, it is an error.
        let mut refusals = 0;
        loop {
            let step = async {
                if let Some(found) = self.inclusion(l1, contract, &entry).await? {
                    return Ok(Some(found));
                }
                let status = self.client.get_submission(id).await.map_err(|e| self.rpc(e))?;
                if matches!(status.map(|s| s.status), Some(Status::Rejected { .. }) | None) {
                    match self.submit(l1, contract, vec![entry.clone()]).await {
                        Ok(_) | Err(ClientError::AlreadyCharged { .. }) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(None)
            };
            match tokio::time::timeout_at(deadline, step).await {
                Ok(Ok(Some(found))) => {
                    if let Some(book) = self.books.lock().await.get_mut(&contract) {
                        book.verified(id);
                    }
                    return Ok(found);
                }
                Ok(Ok(None)) => {}
                Ok(Err(ClientError::Refused { code, .. }))
                    if code == codes::BAD_VOUCHER && refusals == 0 =>
                {
                    refusals += 1;
                }
                Ok(Err(e)) if !e.is_temporary() => return Err(e),
                Ok(Err(e)) => tracing::debug!(error = %e, "aggregator poll failed; polling on"),
                Err(_) => {}
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ClientError::Timeout { id, secs: wait.as_secs() });
            }
            tokio::time::sleep_until(deadline.min(tokio::time::Instant::now() + every)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(b: u8) -> FixedBytes<20> {
        FixedBytes::repeat_byte(b)
    }

    fn add(book: &mut Book, id: u8, parent: u8, chain: u8) {
        let voucher = FeeVoucher {
            submitter: Address::ZERO,
            chain: head(chain),
            fee: U256::ZERO,
            signature: Default::default(),
        };
        let link = Link {
            id: B256::with_last_byte(id),
            parent: head(parent),
            chain: head(chain),
            voucher: Some(voucher),
            charged: false,
        };
        book.by_chain.insert(link.chain, link);
    }

    fn paid(book: &Book, id: u8) -> bool {
        book.of(B256::with_last_byte(id)).any(|l| l.charged)
    }

    /// 0 → 1 → 2 → 3, and 1 → 4 (a sibling of 2): at charged head 2, links 1 and 2 are
    /// charged, 3 may still be, and 4 never can (its parent is behind the head, off its chain),
    /// so it is forgotten.
    #[test]
    fn a_book_tells_charged_chargeable_and_dead_links_apart() {
        let mut book = Book::default();
        for (id, (p, c)) in [(0, 1), (1, 2), (2, 3), (1, 4)].into_iter().enumerate() {
            add(&mut book, id as u8, p, c);
        }
        book.mark_charged(head(2));
        assert!(paid(&book, 0) && paid(&book, 1) && !paid(&book, 2) && !paid(&book, 3));
        let reach = book.reachable(head(2));
        assert_eq!(reach, HashSet::from([head(2), head(3)]));
        book.prune(&reach);
        assert!(book.by_chain(head(4)).is_none(), "dead");
        assert!(book.by_chain(head(1)).is_some(), "charged, not verified: kept");
        book.verified(B256::with_last_byte(0));
        book.prune(&reach);
        assert!(book.by_chain(head(1)).is_none(), "charged and verified: forgotten");
        let third = book.by_chain(head(3)).unwrap().clone();
        assert!(book.leads_to(&third, head(3)), "on the chain the aggregator holds");
    }

    /// A submission linked anew keeps its old link: when the aggregator charges the old one,
    /// the submission is paid for (a third link from there would be charged again); the marks
    /// stay when the charged head moves on past links forgotten.
    #[test]
    fn a_submission_linked_anew_is_charged_when_its_old_link_is() {
        let mut book = Book::default();
        // Y: 0 → 5; X: 5 → 1 (on Y), then X again: 0 → 6 (a sibling of Y).
        add(&mut book, 0xb, 0, 5);
        add(&mut book, 0xa, 5, 1);
        add(&mut book, 0xa, 0, 6);
        assert_eq!(book.of(B256::with_last_byte(0xa)).count(), 2);
        book.mark_charged(head(1));
        assert!(paid(&book, 0xa), "charged through its old link");
        // Z on top, charged: the walk stops where it stopped before.
        add(&mut book, 0xc, 1, 7);
        book.mark_charged(head(7));
        assert!(paid(&book, 0xa) && paid(&book, 0xc));
    }
}
