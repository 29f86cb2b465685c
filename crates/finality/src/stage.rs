//! Grading a deployment's configuration against the L2BEAT Stages framework (Stage 0 / 1 / 2).
//!
//! Pure: the caller reads the configuration from the chain or from a file. Requirements follow
//! L2BEAT's published framework as of 2025: Stage 1 needs a working proof system, a security
//! council of at least 8 members with a threshold of at least 75% as the only way to override it,
//! and an exit path without the operator; Stage 2 needs permissionless proving and an exit window
//! of at least 30 days for upgrades that do not fix an on-chain provable bug. The exit window is
//! the upgrade delay minus what a user needs to get out once an upgrade is queued: the forced
//! inclusion delay plus the finality delay of a path no permissioned party can block (ZK or TEE
//! approval plus the OP window; the TEE is the council's to change, so it cannot be counted on).

use serde::{Deserialize, Serialize};

/// Seconds in a day.
const DAY: u64 = 24 * 3600;
/// L2BEAT's Stage 1 exit window for upgrades by anyone but the security council, in seconds.
pub const STAGE1_EXIT_WINDOW_SECS: u64 = 7 * DAY;
/// L2BEAT's Stage 2 exit window for upgrades that fix no on-chain provable bug, in seconds.
pub const STAGE2_EXIT_WINDOW_SECS: u64 = 30 * DAY;

/// Longest duration a configuration may name, in seconds (10 years): a longer one is almost
/// surely a unit mistake (milliseconds for seconds), not a deployment.
pub const MAX_DURATION_SECS: u64 = 10 * 365 * DAY;

/// Why a [`DeploymentConfig`] cannot describe a deployment.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
pub enum ConfigError {
    /// No council members.
    #[error("council_members is 0: a council needs members")]
    NoCouncil,
    /// The threshold is 0 or above the member count.
    #[error("council_threshold {threshold} is not in 1..={members} (council_members)")]
    Threshold {
        /// Signatures needed.
        threshold: u64,
        /// Members.
        members: u64,
    },
    /// No OP window: the dispute game would resolve before anyone could challenge.
    #[error("op_window_secs is 0: nobody could challenge a claim")]
    NoOpWindow,
    /// A duration over [`MAX_DURATION_SECS`].
    #[error("{field} = {secs} s is over 10 years ({MAX_DURATION_SECS} s): seconds were meant?")]
    TooLong {
        /// The field.
        field: &'static str,
        /// Its value, in seconds.
        secs: u64,
    },
}

/// What grading needs to know about a deployment.
///
/// As JSON (`tribunal stage --config`), unknown fields are refused; `liveness_grace_secs` and
/// `upgrade_expiry_secs` may be left out (7 and 14 days).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentConfig {
    /// A ZK verifier is set.
    pub zk_verifier: bool,
    /// A dispute game is set.
    pub dispute_game: bool,
    /// Council members.
    pub council_members: u64,
    /// Council signatures needed.
    pub council_threshold: u64,
    /// Timelock on ZK and OP upgrades, in seconds.
    pub upgrade_delay_secs: u64,
    /// Deadline after which anyone may post batches with overdue L1 messages, in seconds.
    pub forced_inclusion_delay_secs: u64,
    /// OP window, in seconds.
    pub op_window_secs: u64,
    /// Grace after the OP window before a stalled batch is a liveness failure (rule 6), in
    /// seconds (`MultiProofFinality.LIVENESS_GRACE_SECONDS`; 7 days when a config file omits it).
    #[serde(default = "default_liveness_grace_secs")]
    pub liveness_grace_secs: u64,
    /// How long a matured council action stays executable before it expires, in seconds
    /// (`SecurityCouncil.EXPIRY_SECONDS`; 14 days when a config file omits it).
    #[serde(default = "default_upgrade_expiry_secs")]
    pub upgrade_expiry_secs: u64,
}

const fn default_liveness_grace_secs() -> u64 {
    DeploymentConfig::DEFAULT.liveness_grace_secs
}

const fn default_upgrade_expiry_secs() -> u64 {
    DeploymentConfig::DEFAULT.upgrade_expiry_secs
}

impl DeploymentConfig {
    /// The defaults, with both trustless legs deployed: 6-of-8 council, 45-day timelock (as
    /// Surge's), 24-hour forced inclusion, 7-day OP window: an exit window of 45 − 1 − 7 = 37
    /// days, Stage 2 (docs/finality.md asks for at least 30 days of timelock and a 30-day exit
    /// window). A liveness failure needs 7 + 7 days of stall; queued actions expire 14 days
    /// after they mature.
    pub const DEFAULT: Self = Self {
        zk_verifier: true,
        dispute_game: true,
        council_members: 8,
        council_threshold: 6,
        upgrade_delay_secs: 45 * DAY,
        forced_inclusion_delay_secs: DAY,
        op_window_secs: 7 * DAY,
        liveness_grace_secs: 7 * DAY,
        upgrade_expiry_secs: 14 * DAY,
    };

    /// Checks that the configuration can describe a deployment: a council of at least one
    /// member with a threshold in `1..=members`, a non-zero OP window, and no duration over
    /// [`MAX_DURATION_SECS`].
    ///
    /// # Errors
    /// The first [`ConfigError`] found.
    pub const fn validate(&self) -> Result<(), ConfigError> {
        if self.council_members == 0 {
            return Err(ConfigError::NoCouncil);
        }
        if self.council_threshold == 0 || self.council_threshold > self.council_members {
            return Err(ConfigError::Threshold {
                threshold: self.council_threshold,
                members: self.council_members,
            });
        }
        if self.op_window_secs == 0 {
            return Err(ConfigError::NoOpWindow);
        }
        let durations = [
            ("upgrade_delay_secs", self.upgrade_delay_secs),
            ("forced_inclusion_delay_secs", self.forced_inclusion_delay_secs),
            ("op_window_secs", self.op_window_secs),
            ("liveness_grace_secs", self.liveness_grace_secs),
            ("upgrade_expiry_secs", self.upgrade_expiry_secs),
        ];
        let mut i = 0;
        while i < durations.len() {
            let (field, secs) = durations[i];
            if secs > MAX_DURATION_SECS {
                return Err(ConfigError::TooLong { field, secs });
            }
            i += 1;
        }
        Ok(())
    }

    /// Seconds a user has to exit after a ZK or OP upgrade is queued (0 when the delay does not
    /// cover the time to exit).
    pub const fn exit_window_secs(&self) -> u64 {
        self.upgrade_delay_secs
            .saturating_sub(self.forced_inclusion_delay_secs + self.op_window_secs)
    }
}

/// One requirement of the framework and whether the deployment meets it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Requirement {
    /// The stage it belongs to.
    pub stage: u8,
    /// What L2BEAT asks.
    pub name: &'static str,
    /// Met or not.
    pub met: bool,
    /// Why, with the figures.
    pub reason: String,
}

/// A grade: the highest stage whose requirements (and all lower ones) are met.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Grade {
    /// 0, 1 or 2.
    pub stage: u8,
    /// Every requirement checked.
    pub requirements: Vec<Requirement>,
}

fn days(secs: u64) -> String {
    if secs.is_multiple_of(DAY) {
        format!("{}d", secs / DAY)
    } else {
        format!("{:.2}d", secs as f64 / DAY as f64)
    }
}

/// Grades `c`.
pub fn grade(c: &DeploymentConfig) -> Grade {
    let mut r = Vec::new();
    let mut req =
        |stage, name, met, reason: String| r.push(Requirement { stage, name, met, reason });
    req(
        0,
        "state roots and data on L1",
        true,
        "claims are settled by MultiProofFinality; batch data is posted in blobs through the Inbox"
            .into(),
    );
    let proof = c.zk_verifier || c.dispute_game;
    req(
        1,
        "a functional proof system",
        proof,
        match (c.zk_verifier, c.dispute_game) {
            (true, true) => "ZK verifier and dispute game both set".into(),
            (true, false) => "ZK verifier set; no dispute game".into(),
            (false, true) => "dispute game set; no ZK verifier".into(),
            (false, false) => "neither a ZK verifier nor a dispute game is set: only the TEE approves, and it never finalizes alone".into(),
        },
    );
    let council_ok = c.council_members >= 8 && 4 * c.council_threshold >= 3 * c.council_members;
    req(
        1,
        "security council: at least 8 members, threshold at least 75%",
        council_ok,
        format!(
            "{}-of-{} ({:.0}%)",
            c.council_threshold,
            c.council_members,
            100.0 * c.council_threshold as f64 / c.council_members.max(1) as f64
        ),
    );
    req(
        1,
        "users can exit without the operator",
        true,
        format!(
            "forced transactions are due in {}; past that anyone may post batches that include them",
            days(c.forced_inclusion_delay_secs)
        ),
    );
    req(
        1,
        "upgrades by others than the council leave at least 7 days to exit",
        true,
        "only the security council can change any logic; no other admin exists".into(),
    );
    req(
        2,
        "permissionless proving: finality without any permissioned party",
        c.zk_verifier && c.dispute_game,
        if c.zk_verifier && c.dispute_game {
            "anyone may propose (with a bond), prove with ZK, and play the dispute game: ZK + OP finalize with no TEE".into()
        } else {
            "the permissionless ZK + OP path needs both a ZK verifier and a dispute game".into()
        },
    );
    let window = c.exit_window_secs();
    req(
        2,
        "upgrades without on-chain evidence leave at least 30 days to exit",
        window >= STAGE2_EXIT_WINDOW_SECS,
        format!(
            "exit window {} = timelock {} − forced inclusion {} − OP window {}{}",
            days(window),
            days(c.upgrade_delay_secs),
            days(c.forced_inclusion_delay_secs),
            days(c.op_window_secs),
            if window >= STAGE2_EXIT_WINDOW_SECS {
                String::new()
            } else {
                format!(
                    "; a timelock of at least {} would meet it",
                    days(
                        STAGE2_EXIT_WINDOW_SECS + c.forced_inclusion_delay_secs + c.op_window_secs
                    )
                )
            }
        ),
    );
    req(
        2,
        "the council acts without delay only on on-chain provable bugs",
        true,
        "ZK and OP changes bypass the timelock only while self-disagreement (rule 5) or liveness (rule 6) evidence is recorded on chain; TEE changes are instant but the TEE never finalizes alone".into(),
    );
    req(
        2,
        "a liveness failure cannot be declared while the slow path can still finalize",
        c.liveness_grace_secs > 0,
        format!(
            "the oldest unfinalized batch's first claim must be pending for the OP window {} plus a grace of {} = {}, with none finalizable; it opens one timelock-free replacement of a leg that approved none of that batch's claims",
            days(c.op_window_secs),
            days(c.liveness_grace_secs),
            days(c.op_window_secs + c.liveness_grace_secs),
        ),
    );
    req(
        2,
        "stale queued upgrades cannot be executed later",
        c.upgrade_expiry_secs > 0,
        format!(
            "a queued action expires {} after its timelock ends, and the council can cancel it before",
            days(c.upgrade_expiry_secs)
        ),
    );
    let stage = if r.iter().filter(|x| x.stage <= 1).all(|x| x.met) {
        if r.iter().all(|x| x.met) { 2 } else { 1 }
    } else {
        0
    };
    Grade { stage, requirements: r }
}

impl std::fmt::Display for Grade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "Stage {}", self.stage)?;
        for r in &self.requirements {
            let mark = if r.met { "meets " } else { "MISSES" };
            writeln!(f, "  [stage {}] {mark} {}: {}", r.stage, r.name, r.reason)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_stage_2() {
        let g = grade(&DeploymentConfig::DEFAULT);
        assert_eq!(g.stage, 2, "{g}");
        assert!(g.to_string().contains("exit window 37d"), "{g}");
    }

    #[test]
    fn a_30_day_timelock_misses_stage_2_only_on_the_exit_window() {
        let c = DeploymentConfig { upgrade_delay_secs: 30 * DAY, ..DeploymentConfig::DEFAULT };
        let g = grade(&c);
        assert_eq!(g.stage, 1, "{g}");
        let missed: Vec<_> = g.requirements.iter().filter(|r| !r.met).collect();
        assert_eq!(missed.len(), 1);
        assert!(missed[0].reason.contains("exit window 22d"), "{}", missed[0].reason);
        assert!(missed[0].reason.contains("at least 38d"));
    }

    #[test]
    fn a_38_day_timelock_is_stage_2() {
        let c = DeploymentConfig { upgrade_delay_secs: 38 * DAY, ..DeploymentConfig::DEFAULT };
        let g = grade(&c);
        assert_eq!(g.stage, 2, "{g}");
        assert!(g.requirements.iter().all(|r| r.met));
    }

    #[test]
    fn a_4_of_7_council_is_stage_0() {
        let c = DeploymentConfig {
            council_members: 7,
            council_threshold: 4,
            upgrade_delay_secs: 38 * DAY,
            ..DeploymentConfig::DEFAULT
        };
        let g = grade(&c);
        assert_eq!(g.stage, 0, "{g}");
        let missed: Vec<_> = g.requirements.iter().filter(|r| !r.met).map(|r| r.name).collect();
        assert_eq!(missed, vec!["security council: at least 8 members, threshold at least 75%"]);
        assert!(g.to_string().contains("4-of-7 (57%)"));
    }

    #[test]
    fn no_liveness_grace_or_expiry_misses_stage_2() {
        for c in [
            DeploymentConfig { liveness_grace_secs: 0, ..DeploymentConfig::DEFAULT },
            DeploymentConfig { upgrade_expiry_secs: 0, ..DeploymentConfig::DEFAULT },
        ] {
            assert_eq!(grade(&c).stage, 1, "{}", grade(&c));
        }
        let g = grade(&DeploymentConfig::DEFAULT).to_string();
        assert!(g.contains("grace of 7d = 14d") && g.contains("expires 14d"), "{g}");
    }

    /// Review finding: `tribunal stage --config` graded 9-of-8 councils and a 3,000-year delay
    /// as "meets". They are refused, each naming its field.
    #[test]
    fn impossible_configs_are_refused() {
        let d = DeploymentConfig::DEFAULT;
        let cases = [
            (DeploymentConfig { council_threshold: 9, ..d }, "council_threshold 9 is not in 1..=8"),
            (DeploymentConfig { council_threshold: 0, ..d }, "council_threshold 0"),
            (DeploymentConfig { council_members: 0, ..d }, "council_members is 0"),
            (DeploymentConfig { op_window_secs: 0, ..d }, "op_window_secs is 0"),
            (
                DeploymentConfig { upgrade_delay_secs: 3_000 * 365 * DAY, ..d },
                "upgrade_delay_secs = 94608000000 s is over 10 years",
            ),
            (DeploymentConfig { upgrade_expiry_secs: u64::MAX, ..d }, "upgrade_expiry_secs"),
        ];
        for (c, message) in cases {
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains(message), "{e}");
        }
        assert_eq!(d.validate(), Ok(()));
    }

    #[test]
    fn unknown_fields_are_refused() {
        let text = r#"{"zk_verifier":true,"dispute_game":true,"council_members":8,"council_threshold":6,"upgrade_delay_secs":3888000,"forced_inclusion_delay_secs":86400,"op_window_secs":604800,"upgrade_delay_days":45}"#;
        let e = serde_json::from_str::<DeploymentConfig>(text).unwrap_err().to_string();
        assert!(e.contains("unknown field `upgrade_delay_days`"), "{e}");
    }

    #[test]
    fn a_config_file_without_the_new_fields_takes_their_defaults() {
        let text = r#"{"zk_verifier":true,"dispute_game":true,"council_members":8,"council_threshold":6,"upgrade_delay_secs":3888000,"forced_inclusion_delay_secs":86400,"op_window_secs":604800}"#;
        let c: DeploymentConfig = serde_json::from_str(text).unwrap();
        assert_eq!(c, DeploymentConfig::DEFAULT);
    }

    #[test]
    fn no_trustless_leg_is_stage_0() {
        let c = DeploymentConfig {
            zk_verifier: false,
            dispute_game: false,
            ..DeploymentConfig::DEFAULT
        };
        assert_eq!(grade(&c).stage, 0);
        let zk_only = DeploymentConfig {
            dispute_game: false,
            upgrade_delay_secs: 60 * DAY,
            ..DeploymentConfig::DEFAULT
        };
        assert_eq!(grade(&zk_only).stage, 1, "no permissionless ZK + OP path");
    }
}
