//! Password storage: argon2id in PHC string format (RFC 9106, the PHC string format of the
//! Password Hashing Competition), through RustCrypto's `argon2`.
//!
//! - New hashes use the [`Hasher`]'s live [`HashParams`]: by default the OWASP Password Storage
//!   Cheat Sheet's argon2id setting (19 MiB, 2 passes, 1 lane). [`calibrate`] finds the
//!   number of passes that fits a latency budget on the device itself.
//! - A stored hash is parsed and its parameters are checked against [`HashBounds`] **before**
//!   any hashing: a hostile or corrupted `m=4294967295` must be refused, not allocated.
//! - [`Hasher::needs_rehash`] tells when a hash was made with other parameters, so the login
//!   that has the password at hand can store a new one.
//! - Every password is normalised ([`normalize`]) first; the normalised copy
//!   is wiped when dropped, and `argon2` wipes its memory blocks (its `zeroize` feature).
//! - [`Hasher::verify_dummy`] does the work of one verification against a hash made at start-up
//!   with the live parameters: a login for an unknown account costs what a real one costs.
//! - An optional pepper (the RFC's secret value K) is kept outside the stored string, for
//!   devices with a secure element or a per-device key in protected flash.

use core::fmt::Write as _;
use core::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use super::Verifier;
use super::{Normalized, PhcString, StoredHashError, Verdict, normalize};

/// The length of the salts [`Hasher::hash`] takes (RFC 9106 recommends 16 bytes).
pub const SALT_LEN: usize = 16;
/// The shortest salt a stored hash may have (argon2's minimum, RFC 9106 section 3.1).
pub const MIN_SALT_LEN: usize = 8;
/// The longest salt a PHC string can carry (password-hash's limit, 64 Base64 characters).
const MAX_SALT_LEN: usize = 48;

/// argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct HashParams {
    /// Memory in KiB (`m`).
    pub memory_kib: u32,
    /// Passes over the memory (`t`).
    pub iterations: u32,
    /// Lanes (`p`).
    pub parallelism: u32,
    /// Tag length in bytes.
    pub output_len: u8,
}

/// The largest parameters a stored hash may ask for before it is verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct HashBounds {
    /// Most memory in KiB.
    pub max_memory_kib: u32,
    /// Most passes.
    pub max_iterations: u32,
    /// Most lanes.
    pub max_parallelism: u32,
}

/// Hashes and verifies passwords.
#[derive(Clone)]
pub struct Hasher<'k> {
    argon2: Argon2<'k>,
    pepper: Option<&'k [u8]>,
    params: HashParams,
    bounds: HashBounds,
    dummy: PhcString,
}

/// Why hashing failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HashError {
    /// The parameters are outside the bounds, or not valid argon2 parameters.
    #[error("argon2 parameters {0:?} are not usable")]
    Params(HashParams),
    /// The password is over [`MAX_PASSWORD_BYTES`](super::MAX_PASSWORD_BYTES).
    #[error("the password is over the byte cap")]
    TooLong,
    /// The argon2 implementation refused (salt or output length).
    #[error("argon2 failed: {0}")]
    Argon2(argon2::Error),
    /// The PHC string did not fit [`MAX_PHC_LEN`](super::MAX_PHC_LEN).
    #[error("the PHC string is longer than the storage for it")]
    Encoding,
}

/// What [`calibrate`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Calibration {
    /// The parameters chosen.
    pub params: HashParams,
    /// How long one hash with them took.
    pub measured: Duration,
    /// Whether even the smallest setting tried was over the target.
    pub over_target: bool,
}

impl HashParams {
    /// OWASP Password Storage Cheat Sheet: argon2id, m = 19 MiB, t = 2, p = 1.
    pub const OWASP: Self = Self {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
        output_len: 32,
    };

    /// RFC 9106 section 4, second recommended option (for when 2 GiB is not available):
    /// m = 64 MiB, t = 3, p = 4.
    pub const RFC_9106_LOW_MEMORY: Self = Self {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 4,
        output_len: 32,
    };

    fn argon2(self) -> Option<Params> {
        Params::new(
            self.memory_kib,
            self.iterations,
            self.parallelism,
            Some(self.output_len.into()),
        )
        .ok()
    }
}

impl Default for HashParams {
    /// [`HashParams::OWASP`].
    fn default() -> Self {
        Self::OWASP
    }
}

impl HashBounds {
    /// 64 MiB, 16 passes, 8 lanes: room for [`HashParams::RFC_9106_LOW_MEMORY`] and hashes
    /// imported from a stronger host, not for a memory-exhaustion attempt.
    pub const DEFAULT: Self = Self {
        max_memory_kib: 64 * 1024,
        max_iterations: 16,
        max_parallelism: 8,
    };

    fn admit(&self, memory_kib: u32, iterations: u32, parallelism: u32) -> bool {
        memory_kib <= self.max_memory_kib
            && iterations <= self.max_iterations
            && parallelism <= self.max_parallelism
    }

    /// Whether `stored` is a PHC string [`Hasher::verify`] would use: argon2id version 19,
    /// well formed, with parameters inside these bounds. Nothing is hashed, so a configuration
    /// loader can refuse a corrupt or hostile hash (`m=4294967295`) at no cost.
    ///
    /// # Errors
    ///
    /// The [`StoredHashError`] `verify` would report as [`Verdict::Unusable`].
    pub fn check(&self, stored: &str) -> Result<(), StoredHashError> {
        self.parse(stored).map(|_| ())
    }

    fn parse<'s>(&self, stored: &'s str) -> Result<PasswordHash<'s>, StoredHashError> {
        let parsed = PasswordHash::new(stored).map_err(|_| StoredHashError::Malformed)?;
        if parsed.algorithm != Algorithm::Argon2id.ident()
            || parsed.version.is_some_and(|version| version != 0x13)
        {
            return Err(StoredHashError::Unsupported);
        }
        // Exactly m, t, p, once each and in that order (what every argon2 implementation
        // writes): argon2 reads the last of a repeated parameter, these bounds would read the
        // first, and `m=19456,...,m=4294967295` would pass them and then abort the process.
        let names = parsed.params.iter().map(|(name, _)| name.as_str());
        if !names.eq(["m", "t", "p"]) {
            return Err(StoredHashError::Parameters);
        }
        let number = |name: &str| parsed.params.get_decimal(name);
        let (Some(memory_kib), Some(iterations), Some(parallelism)) =
            (number("m"), number("t"), number("p"))
        else {
            return Err(StoredHashError::Malformed);
        };
        if !self.admit(memory_kib, iterations, parallelism) {
            return Err(StoredHashError::OutOfBounds {
                memory_kib,
                iterations,
                parallelism,
            });
        }
        if parsed.hash.is_none() || Params::try_from(&parsed).is_err() {
            return Err(StoredHashError::Malformed);
        }
        let mut salt_bytes = [0u8; MAX_SALT_LEN];
        let salt_len = parsed
            .salt
            .and_then(|salt| salt.decode_b64(&mut salt_bytes).ok().map(<[u8]>::len))
            .ok_or(StoredHashError::Malformed)?;
        if salt_len < MIN_SALT_LEN {
            return Err(StoredHashError::ShortSalt { bytes: salt_len });
        }
        Ok(parsed)
    }
}

impl Default for HashBounds {
    /// [`HashBounds::DEFAULT`].
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl<'k> Hasher<'k> {
    /// A hasher with live parameters `params`, refusing stored hashes beyond `bounds`.
    ///
    /// Makes the dummy hash (one hash, with `dummy_salt`: pass random bytes).
    ///
    /// # Errors
    ///
    /// [`HashError::Params`] when `params` are not valid argon2 parameters or beyond `bounds`.
    pub fn new(
        params: HashParams,
        bounds: HashBounds,
        dummy_salt: &[u8; SALT_LEN],
    ) -> Result<Self, HashError> {
        Self::build(params, bounds, None, dummy_salt)
    }

    /// As [`Hasher::new`], with a pepper (RFC 9106's secret value K, at most 2^32 - 1 bytes)
    /// that every hash depends on and no stored string contains.
    ///
    /// # Errors
    ///
    /// As [`Hasher::new`].
    pub fn with_pepper(
        params: HashParams,
        bounds: HashBounds,
        pepper: &'k [u8],
        dummy_salt: &[u8; SALT_LEN],
    ) -> Result<Self, HashError> {
        Self::build(params, bounds, Some(pepper), dummy_salt)
    }

    fn build(
        params: HashParams,
        bounds: HashBounds,
        pepper: Option<&'k [u8]>,
        dummy_salt: &[u8; SALT_LEN],
    ) -> Result<Self, HashError> {
        let argon2_params = params
            .argon2()
            .filter(|_| bounds.admit(params.memory_kib, params.iterations, params.parallelism))
            .ok_or(HashError::Params(params))?;
        let mut hasher = Self {
            argon2: argon2_context(pepper, argon2_params)?,
            pepper,
            params,
            bounds,
            dummy: PhcString::new(),
        };
        let placeholder =
            normalize("dummy password for unknown accounts").map_err(|_| HashError::TooLong)?;
        hasher.dummy = hasher.hash(&placeholder, dummy_salt)?;
        Ok(hasher)
    }

    /// The live parameters.
    pub fn params(&self) -> HashParams {
        self.params
    }

    /// The bounds on stored hashes.
    pub fn bounds(&self) -> HashBounds {
        self.bounds
    }

    /// Hashes a normalised password (from [`PasswordPolicy::check`](super::PasswordPolicy::check)
    /// or [`normalize`]) with `salt` (random bytes from the caller).
    ///
    /// # Errors
    ///
    /// [`HashError`] when argon2 refuses or the string does not fit.
    pub fn hash(
        &self,
        password: &Normalized,
        salt: &[u8; SALT_LEN],
    ) -> Result<PhcString, HashError> {
        let salt = SaltString::encode_b64(salt).map_err(|_| HashError::Encoding)?;
        let hash = self
            .argon2
            .hash_password(password.as_str().as_bytes(), &salt)
            .map_err(|_| HashError::Params(self.params))?;
        let mut phc = PhcString::new();
        write!(phc, "{hash}").map_err(|_| HashError::Encoding)?;
        Ok(phc)
    }

    /// Verifies `password` (normalised here) against `stored`.
    ///
    /// Does the work of exactly one argon2 hash in every case: a stored hash that is refused, or
    /// a password over the byte cap, is replaced by the dummy verification.
    pub fn verify(&self, password: &str, stored: &str) -> Verdict {
        let parsed = match self.admit(stored) {
            Ok(parsed) => parsed,
            Err(err) => {
                let _same_work = self.verify_dummy(password);
                return Verdict::Unusable(err);
            }
        };
        let Ok(password) = normalize(password) else {
            let _same_work = self.verify_dummy("");
            return Verdict::Mismatch;
        };
        match self
            .argon2
            .verify_password(password.as_str().as_bytes(), &parsed)
        {
            Ok(()) => Verdict::Match,
            Err(_) => Verdict::Mismatch,
        }
    }

    /// One verification against the dummy hash; never matches. For unknown accounts.
    pub fn verify_dummy(&self, password: &str) -> Verdict {
        let normalized = normalize(password).or_else(|_| normalize(""));
        if let (Ok(password), Ok(parsed)) = (normalized, PasswordHash::new(&self.dummy)) {
            let _ignored = self
                .argon2
                .verify_password(password.as_str().as_bytes(), &parsed);
        }
        Verdict::Mismatch
    }

    /// Whether `stored` was made with other parameters than the live ones (or cannot be used
    /// at all), so that it should be replaced after the next successful login.
    pub fn needs_rehash(&self, stored: &str) -> bool {
        let Ok(parsed) = self.admit(stored) else {
            return true;
        };
        let current = Params::try_from(&parsed).ok();
        current.is_none_or(|params| {
            params.m_cost() != self.params.memory_kib
                || params.t_cost() != self.params.iterations
                || params.p_cost() != self.params.parallelism
                || params.output_len() != Some(self.params.output_len.into())
                || !params.keyid().is_empty()
                || !params.data().is_empty()
        })
    }

    /// Whether `password` matches any of `previous` (the current hash and the history). Costs
    /// one verification per entry; refused entries count as no match.
    pub fn is_reused<'a>(
        &self,
        password: &Normalized,
        previous: impl IntoIterator<Item = &'a str>,
    ) -> bool {
        previous
            .into_iter()
            .any(|stored| self.verify(password.as_str(), stored) == Verdict::Match)
    }

    /// Raw argon2id (RFC 9106 section 3.1, H(P, S, K, X) with K the pepper and X
    /// `associated_data`), for key derivation and for checking the RFC's test vectors. The
    /// password is taken as bytes, not normalised.
    ///
    /// # Errors
    ///
    /// [`HashError`] when argon2 refuses the lengths.
    pub fn derive(
        &self,
        password: &[u8],
        salt: &[u8],
        associated_data: &[u8],
        out: &mut [u8],
    ) -> Result<(), HashError> {
        let mut builder = argon2::ParamsBuilder::new();
        builder
            .m_cost(self.params.memory_kib)
            .t_cost(self.params.iterations)
            .p_cost(self.params.parallelism)
            .output_len(out.len())
            .data(argon2::AssociatedData::new(associated_data).map_err(HashError::Argon2)?);
        let params = builder.build().map_err(HashError::Argon2)?;
        argon2_context(self.pepper, params)?
            .hash_password_into(password, salt, out)
            .map_err(HashError::Argon2)
    }
    /// Parses `stored` and checks it against the bounds and against the live parameters'
    /// cost, before any hashing.
    fn admit<'s>(&self, stored: &'s str) -> Result<PasswordHash<'s>, StoredHashError> {
        let parsed = self.bounds.parse(stored)?;
        let number = |name: &str| parsed.params.get_decimal(name).unwrap_or(u32::MAX);
        let cost = cost(number("m"), number("t"));
        let live = cost_of(&self.params);
        if cost > live.saturating_mul(MAX_COST_FACTOR) {
            return Err(StoredHashError::TooCostly {
                factor: u32::try_from(cost / live.max(1)).unwrap_or(u32::MAX),
                max: u32::try_from(MAX_COST_FACTOR).unwrap_or(u32::MAX),
            });
        }
        Ok(parsed)
    }
}

/// How much more a stored hash may cost to verify than the live parameters: enough for a
/// hash made on a stronger host or before the parameters were lowered, not for one made to
/// stall logins. Accounts whose hash costs more are refused as unusable until an
/// administrator resets their password; cheaper ones are rehashed on their next good login.
pub const MAX_COST_FACTOR: u64 = 4;

/// Argon2's work, in KiB passes: memory times passes (the lanes share the memory).
fn cost(memory_kib: u32, iterations: u32) -> u64 {
    u64::from(memory_kib).saturating_mul(u64::from(iterations))
}

fn cost_of(params: &HashParams) -> u64 {
    cost(params.memory_kib, params.iterations)
}

fn argon2_context(pepper: Option<&[u8]>, params: Params) -> Result<Argon2<'_>, HashError> {
    match pepper {
        Some(pepper) => {
            Argon2::new_with_secret(pepper, Algorithm::Argon2id, Version::V0x13, params)
                .map_err(HashError::Argon2)
        }
        None => Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params)),
    }
}

impl Verifier for Hasher<'_> {
    fn verify(&self, stored: Option<&str>, password: &str) -> Verdict {
        match stored {
            Some(stored) => Hasher::verify(self, password, stored),
            None => self.verify_dummy(password),
        }
    }

    fn needs_rehash(&self, stored: &str) -> bool {
        Hasher::needs_rehash(self, stored)
    }
}

impl core::fmt::Debug for Hasher<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Hasher")
            .field("params", &self.params)
            .field("bounds", &self.bounds)
            .finish_non_exhaustive()
    }
}

/// Finds the parameters for a latency budget, following RFC 9106 section 4: fix the lanes,
/// take the most memory the device can give (`memory_kib`), then the most passes that fit
/// `target`; when one pass over that memory is already too slow, halve the memory (not below
/// 1 MiB) until it fits.
///
/// `time` hashes once with the given parameters and returns how long it took; the caller owns
/// the clock (`std::time::Instant` on a host, a cycle counter on a microcontroller). Passes
/// stop at `bounds.max_iterations`.
pub fn calibrate(
    target: Duration,
    memory_kib: u32,
    parallelism: u32,
    bounds: HashBounds,
    mut time: impl FnMut(HashParams) -> Duration,
) -> Calibration {
    const FLOOR_KIB: u32 = 1024;
    let mut params = HashParams {
        memory_kib: memory_kib.min(bounds.max_memory_kib),
        iterations: 1,
        parallelism: parallelism.clamp(1, bounds.max_parallelism.max(1)),
        output_len: 32,
    };
    let mut measured = time(params);
    while measured > target && params.memory_kib / 2 >= FLOOR_KIB.max(8 * params.parallelism) {
        params.memory_kib /= 2;
        measured = time(params);
    }
    if measured > target {
        return Calibration {
            params,
            measured,
            over_target: true,
        };
    }
    while params.iterations < bounds.max_iterations {
        let next = HashParams {
            iterations: params.iterations + 1,
            ..params
        };
        let took = time(next);
        if took > target {
            break;
        }
        params = next;
        measured = took;
    }
    Calibration {
        params,
        measured,
        over_target: false,
    }
}
