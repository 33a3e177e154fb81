// Package cienv detects which CI a job runs in and normalises what it tells
// the job: branch, tag, commit, pull request (and whether it comes from a
// fork), build number and URL, repository and workspace.
//
// It is pure: it reads the environment through an envconfig.Lookuper and git
// through the Git interface, never logs, and records in Context.Sources
// where each value came from ("GITHUB_REF", "git", ...) so callers can show
// it.
//
// The rules, whatever the CI:
//
//   - Providers are tried in a fixed order, specific ones first; the generic
//     one (CI, BUILD_NUMBER, RUN_ID) last, since Jenkins and TeamCity set
//     BUILD_NUMBER too; "local" when none matches.
//   - Empty or blank variables count as unset; values are trimmed.
//   - A pull request is detected first. Its Branch is the source branch,
//     never the "branch" variable that Travis, Drone and Woodpecker set to
//     the target; BaseBranch is the target. A build the CI marks as a pull
//     request without saying which has PullRequest "unknown".
//   - A pull request whose CI gives no fork signal (Drone, Woodpecker,
//     Bitbucket, CodeBuild, TeamCity, Cirrus, Bamboo, CircleCI pull/N
//     builds, ...) is treated as coming from a fork: Fork is set with the
//     source "assumed" (ForkAssumed), so it never deploys.
//   - A tag build has no Branch (Travis, Buildkite, AppVeyor and Jenkins
//     multibranch put the tag name in their branch variable); a pull request
//     has no Tag.
//   - refs/heads/ and refs/tags/ are stripped; a value still starting with
//     refs/ is dropped.
//   - Jenkins' GIT_BRANCH loses its remote only when remote-qualified:
//     "origin/x", "remotes/<remote>/x", "refs/remotes/<remote>/x";
//     "refs/tags/X" is tag X, and "<remote>/tags/X" is tag X when git finds
//     that tag at HEAD (or cannot be asked), else that branch; a
//     GIT_LOCAL_BRANCH named after the tag is no branch.
//   - git fills only what the CI left empty: the commit, and, when the CI
//     named no branch, tag or pull request, the checked-out branch or, on a
//     detached HEAD, the highest-version tag at HEAD. When the CI's event
//     says tag but names none (drone exec --event tag), the tag at HEAD wins
//     and git's branch is never taken. Git runs with safe.directory=* (it
//     only reads); its errors leave values unknown and their reason in
//     GitError.
//   - Overrides (CONVOX_CI_BRANCH, --tag, ...) replace what the CI says
//     about the ref, or the commit, on any CI (DetectWith), except a pull
//     request the CI reports from a fork (or cannot say is not): that stays
//     one. An override that is not a value of its kind is an OverrideError.
//   - A CI's marker alone may be a leftover: GitHub needs GITHUB_RUN_ID
//     beside GITHUB_ACTIONS, Jenkins BUILD_ID beside JENKINS_URL.
package cienv
