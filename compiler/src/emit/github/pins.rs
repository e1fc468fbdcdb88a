//! The third-party actions the GitHub Actions backend emits, each pinned to
//! a full commit SHA.
//!
//! Every step that uses an action is written as
//! `uses: owner/repo@<40-hex sha> # <version>`: a tag can be moved (or, as
//! happened to `aquasecurity/trivy-action`, force-pushed to a malicious
//! commit), a commit SHA cannot. The SHA is always the **commit** a release
//! tag points to: annotated tags are peeled (`git rev-parse '<tag>^{commit}'`),
//! so a tag object's own SHA never appears here. The version in the comment
//! is the full release tag (`v7.0.1`, not the floating `v7`).
//!
//! # How the table was made ([`CHECKED`])
//!
//! For each action, from a snapshot of its repository with its tags:
//!
//! 1. the newest tag of the form `vMAJOR.MINOR.PATCH` (pre-release tags such
//!    as `v6-beta` or `v2.0.0-rc.0` excluded), from
//!    `git tag --sort=-v:refname`;
//! 2. its commit, `git rev-parse '<tag>^{commit}'`;
//! 3. `git merge-base --is-ancestor <sha> <default branch>`: the commit is on
//!    the default branch's history (true for every pin below). Where the
//!    floating major tag exists (`v7`, `v4`, ...) it points to the same commit;
//! 4. the inputs the backend passes, checked against the `action.yml`
//!    (`action.yaml` for trivy-action) at that tag.
//!
//! `aquasecurity/trivy-action`: its release tags were once force-pushed to
//! malicious commits (2026; the repository's history does not record the
//! incident). In the snapshot checked, every release tag from `v0.26.0` to
//! `v0.36.0` points to a commit on `master`; the pinned
//! `v0.36.0` is an annotated, SSH-signed tag (Nikita Pivkin, April 2026) on
//! `ed142fd` ("chore: update action version to v0.36.0 in examples"), and
//! its only `action.yaml` changes from `v0.35.0` are the bundled Trivy
//! version (v0.70.0) and SHA-pinned `aquasecurity/setup-trivy` v0.2.6 and
//! `actions/cache` v5.0.5. (There is also a stray tag `0.35.0` without the
//! `v`; it is the same commit as `v0.35.0`.)
//!
//! `pnpm/action-setup`: the newest snapshot available had `v4.0.0` as its
//! newest release (its default branch's last commit is from January 2025);
//! `v4.0.0` runs on `node20`. Check for a newer v4 release when updating.
//!
//! # Updating
//!
//! Re-run the steps above for each action (a fresh clone with
//! `git clone --bare --filter=blob:none` is enough), check the release notes
//! for changed or removed inputs the backend uses, update `sha` and `version`
//! together, set [`CHECKED`] to the date of the check, and regenerate the
//! golden output of the `github` target. Never write a SHA that was not read
//! from the action's own repository.

/// One pinned action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pin {
    /// `owner/repo`.
    pub action: &'static str,
    /// The full (40 lowercase hex) SHA of the commit the release tag points to.
    pub sha: &'static str,
    /// The release tag, e.g. `v7.0.1`, written as a comment after `uses:`.
    pub version: &'static str,
}

impl Pin {
    /// `owner/repo@sha` for `uses:`
    pub fn uses(&self) -> String {
        format!("{}@{}", self.action, self.sha)
    }
}

/// The date the table was last checked against the actions' repositories.
pub const CHECKED: &str = "2026-12-03";

/// `actions/checkout` v7.0.1 (node24).
pub const CHECKOUT: Pin = Pin {
    action: "actions/checkout",
    sha: "3d3c42e5aac5ba805825da76410c181273ba90b1",
    version: "v7.0.1",
};

/// `Swatinem/rust-cache` v2.9.2 (annotated tag, peeled; node24).
pub const RUST_CACHE: Pin = Pin {
    action: "Swatinem/rust-cache",
    sha: "6323deb102c322ba6fcbdcafc7e3dddab59af2b6",
    version: "v2.9.2",
};

/// `actions/setup-node` v7.0.0 (node24).
pub const SETUP_NODE: Pin = Pin {
    action: "actions/setup-node",
    sha: "820762786026740c76f36085b0efc47a31fe5020",
    version: "v7.0.0",
};

/// `pnpm/action-setup` v4.0.0 (annotated tag, peeled; node20).
pub const PNPM: Pin = Pin {
    action: "pnpm/action-setup",
    sha: "fe02b34f77f8bc703788d5817da081398fad5dd2",
    version: "v4.0.0",
};

/// `actions/setup-python` v7.0.0 (node24).
pub const SETUP_PYTHON: Pin = Pin {
    action: "actions/setup-python",
    sha: "5fda3b95a4ea91299a34e894583c3862153e4b97",
    version: "v7.0.0",
};

/// `actions/setup-dotnet` v6.0.0 (node24).
pub const SETUP_DOTNET: Pin = Pin {
    action: "actions/setup-dotnet",
    sha: "a98b56852c35b8e3190ac28c8c2271da59106c68",
    version: "v6.0.0",
};

/// `docker/setup-qemu-action` v4.2.0 (node24).
pub const SETUP_QEMU: Pin = Pin {
    action: "docker/setup-qemu-action",
    sha: "96fe6ef7f33517b61c61be40b68a1882f3264fb8",
    version: "v4.2.0",
};

/// `docker/setup-buildx-action` v4.3.0 (node24).
pub const SETUP_BUILDX: Pin = Pin {
    action: "docker/setup-buildx-action",
    sha: "37fe631027851001ddb9b187196cc803df7f5f0e",
    version: "v4.3.0",
};

/// `docker/login-action` v4.1.0 (node24).
pub const LOGIN: Pin = Pin {
    action: "docker/login-action",
    sha: "4907a6ddec9925e35a0a9e82d7399ccc52663121",
    version: "v4.1.0",
};

/// `docker/metadata-action` v6.2.0 (node24); its outputs include `tags` and
/// `labels` (newline-separated).
pub const METADATA: Pin = Pin {
    action: "docker/metadata-action",
    sha: "dc802804100637a589fabce1cb79ff13a1411302",
    version: "v6.2.0",
};

/// `docker/build-push-action` v7.3.0 (node24).
pub const BUILD_PUSH: Pin = Pin {
    action: "docker/build-push-action",
    sha: "53b7df96c91f9c12dcc8a07bcb9ccacbed38856a",
    version: "v7.3.0",
};

/// `aquasecurity/trivy-action` v0.36.0 (annotated, signed tag, peeled;
/// composite; see the module doc for how this tag was checked).
pub const TRIVY: Pin = Pin {
    action: "aquasecurity/trivy-action",
    sha: "ed142fd0673e97e23eac54620cfb913e5ce36c25",
    version: "v0.36.0",
};

/// Every pin above.
pub const ALL: &[Pin] = &[
    CHECKOUT,
    RUST_CACHE,
    SETUP_NODE,
    PNPM,
    SETUP_PYTHON,
    SETUP_DOTNET,
    SETUP_QEMU,
    SETUP_BUILDX,
    LOGIN,
    METADATA,
    BUILD_PUSH,
    TRIVY,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shas_are_full_lowercase_hex_and_versions_are_tags() {
        for p in ALL {
            assert_eq!(p.sha.len(), 40, "{}: sha must be 40 hex digits", p.action);
            assert!(
                p.sha
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                "{}: sha must be lowercase hex: {}",
                p.action,
                p.sha
            );
            assert!(
                p.version.starts_with('v'),
                "{}: version {}",
                p.action,
                p.version
            );
            assert_eq!(
                p.version.split('.').count(),
                3,
                "{}: full version tag",
                p.action
            );
            assert_eq!(p.action.split('/').count(), 2, "{}: owner/repo", p.action);
        }
    }

    #[test]
    fn actions_are_unique() {
        for (i, a) in ALL.iter().enumerate() {
            for b in &ALL[i + 1..] {
                assert_ne!(a.action, b.action, "duplicate pin");
                assert_ne!(a.sha, b.sha, "{} and {} share a sha", a.action, b.action);
            }
        }
        assert_eq!(ALL.len(), 12);
    }

    #[test]
    fn uses_is_owner_repo_at_sha() {
        assert_eq!(
            CHECKOUT.uses(),
            "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1"
        );
    }

    #[test]
    fn checked_is_an_iso_date() {
        let parts: Vec<&str> = CHECKED.split('-').collect();
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|s| s.bytes().all(|b| b.is_ascii_digit())));
    }
}
