package cienv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sethvargo/go-envconfig"
	"github.com/stretchr/testify/require"
)

// Commits used across the recordings.
const (
	shaMain   = "3f786850e387550fdab836ed7e6dc881de23001b"
	shaTag    = "89e6c98d92887913cadf06b2adb97f26cde4849b"
	shaMerge  = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
	shaHead   = "c0ffee1234567890abcdef1234567890abcdef12"
	shaForkM  = "b2c3d4e5f60718293a4b5c6d7e8f901234567890"
	shaForkH  = "d00dfeed0123456789abcdef0123456789abcdef"
	shaTarget = "e1e2e3e4e5e6e7e8e9e0e1e2e3e4e5e6e7e8e9e0"
)

// recorded maps each testdata/<name>.env to the context it must give.
// sources lists the Sources entries that matter for the case; git, when
// set, replaces the default detached checkout.
var recorded = map[string]struct {
	git     *fakeGit
	want    Context
	sources map[string]string
}{
	"github-push": {
		want: Context{Provider: "github", Branch: "main", Commit: shaMain, BuildNumber: "412",
			BuildURL: "https://github.com/acme/webapp/actions/runs/9876543210", Repository: "acme/webapp",
			Workspace: "/home/runner/work/webapp/webapp", Event: "push"},
		sources: map[string]string{FieldBranch: "GITHUB_REF", FieldCommit: "GITHUB_SHA",
			FieldBuildURL: "GITHUB_SERVER_URL+GITHUB_REPOSITORY+GITHUB_RUN_ID"},
	},
	"github-tag": {
		want: Context{Provider: "github", Tag: "v1.4.0", Commit: shaTag, BuildNumber: "413",
			BuildURL: "https://github.com/acme/webapp/actions/runs/9876543311", Repository: "acme/webapp",
			Workspace: "/home/runner/work/webapp/webapp", Event: "push"},
		sources: map[string]string{FieldTag: "GITHUB_REF"},
	},
	"github-pull-request": {
		want: Context{Provider: "github", Branch: "feature/login", Commit: shaMerge, PullRequest: "57", BaseBranch: "main",
			BuildNumber: "414", BuildURL: "https://github.com/acme/webapp/actions/runs/9876543412", Repository: "acme/webapp",
			Workspace: "/home/runner/work/webapp/webapp", Event: "pull_request", HeadCommit: shaHead},
		sources: map[string]string{FieldPullRequest: "GITHUB_REF", FieldBranch: "GITHUB_HEAD_REF",
			FieldBaseBranch: "GITHUB_BASE_REF", FieldHeadCommit: "GITHUB_EVENT_PATH"},
	},
	"github-fork-pull-request": {
		want: Context{Provider: "github", Branch: "patch-1", Commit: shaForkM, PullRequest: "58", BaseBranch: "main", Fork: true,
			BuildNumber: "415", BuildURL: "https://github.com/acme/webapp/actions/runs/9876543513", Repository: "acme/webapp",
			Workspace: "/home/runner/work/webapp/webapp", Event: "pull_request", HeadCommit: shaForkH},
		sources: map[string]string{FieldFork: "GITHUB_EVENT_PATH"},
	},
	"github-pull-request-target": {
		want: Context{Provider: "github", Branch: "fix-typo", Commit: shaMain, PullRequest: "59", BaseBranch: "main", Fork: true,
			BuildNumber: "416", BuildURL: "https://github.com/acme/webapp/actions/runs/9876543614", Repository: "acme/webapp",
			Workspace: "/home/runner/work/webapp/webapp", Event: "pull_request_target", HeadCommit: shaTarget},
		sources: map[string]string{FieldPullRequest: "GITHUB_EVENT_PATH", FieldBranch: "GITHUB_HEAD_REF", FieldFork: "GITHUB_EVENT_PATH"},
	},

	"circleci-push": {
		want: Context{Provider: "circleci", Branch: "main", Commit: shaMain, BuildNumber: "1234",
			BuildURL: "https://circleci.com/gh/acme/webapp/1234", Repository: "acme/webapp", Workspace: "/home/circleci/project"},
		sources: map[string]string{FieldBranch: "CIRCLE_BRANCH", FieldWorkspace: "CIRCLE_WORKING_DIRECTORY+HOME"},
	},
	"circleci-tag": {
		want: Context{Provider: "circleci", Tag: "v1.4.0", Commit: shaTag, BuildNumber: "1240",
			BuildURL: "https://circleci.com/gh/acme/webapp/1240", Repository: "acme/webapp", Workspace: "/home/circleci/project"},
		sources: map[string]string{FieldTag: "CIRCLE_TAG"},
	},
	"circleci-pull-request": {
		want: Context{Provider: "circleci", Branch: "feature/login", Commit: shaHead, PullRequest: "57", BuildNumber: "1241",
			BuildURL: "https://circleci.com/gh/acme/webapp/1241", Repository: "acme/webapp", Workspace: "/home/circleci/project"},
		sources: map[string]string{FieldPullRequest: "CIRCLE_PULL_REQUEST"},
	},
	"circleci-fork-pull-request": {
		want: Context{Provider: "circleci", Branch: "pull/58", Commit: shaForkH, PullRequest: "58", Fork: true, BuildNumber: "1242",
			BuildURL: "https://circleci.com/gh/acme/webapp/1242", Repository: "acme/webapp", Workspace: "/home/circleci/project"},
		sources: map[string]string{FieldPullRequest: "CIRCLE_PR_NUMBER", FieldFork: "CIRCLE_PR_NUMBER"},
	},

	"jenkins-freestyle-push": {
		want: Context{Provider: "jenkins", Branch: "master", Commit: shaMain, BuildNumber: "87",
			BuildURL: "https://ci.acme.dev/job/webapp-deploy/87/", Repository: "acme/webapp",
			Workspace: "/var/jenkins_home/workspace/webapp-deploy"},
		sources: map[string]string{FieldBranch: "GIT_BRANCH", FieldRepository: "GIT_URL"},
	},
	"jenkins-multibranch-push": {
		want: Context{Provider: "jenkins", Branch: "main", Commit: shaMain, BuildNumber: "14",
			BuildURL: "https://ci.acme.dev/job/webapp/job/main/14/", Repository: "acme/webapp",
			Workspace: "/var/jenkins_home/workspace/webapp_main"},
		sources: map[string]string{FieldBranch: "BRANCH_NAME"},
	},
	"jenkins-multibranch-tag": {
		want: Context{Provider: "jenkins", Tag: "v1.4.0", Commit: shaTag, BuildNumber: "1",
			BuildURL: "https://ci.acme.dev/job/webapp/view/tags/job/v1.4.0/1/", Repository: "acme/webapp",
			Workspace: "/var/jenkins_home/workspace/webapp_v1.4.0"},
		sources: map[string]string{FieldTag: "TAG_NAME"},
	},
	"jenkins-multibranch-pull-request": {
		want: Context{Provider: "jenkins", Branch: "feature/login", Commit: shaMerge, PullRequest: "24", BaseBranch: "main",
			BuildNumber: "3", BuildURL: "https://ci.acme.dev/job/webapp/view/change-requests/job/PR-24/3/", Repository: "acme/webapp",
			Workspace: "/var/jenkins_home/workspace/webapp_PR-24"},
		sources: map[string]string{FieldPullRequest: "CHANGE_ID", FieldBranch: "CHANGE_BRANCH", FieldBaseBranch: "CHANGE_TARGET"},
	},
	"jenkins-multibranch-fork-pull-request": {
		want: Context{Provider: "jenkins", Branch: "patch-1", Commit: shaForkM, PullRequest: "25", BaseBranch: "main", Fork: true,
			BuildNumber: "1", BuildURL: "https://ci.acme.dev/job/webapp/view/change-requests/job/PR-25/1/", Repository: "acme/webapp",
			Workspace: "/var/jenkins_home/workspace/webapp_PR-25"},
		sources: map[string]string{FieldFork: "CHANGE_FORK"},
	},
	"jenkins-ghprb-pull-request": {
		want: Context{Provider: "jenkins", Branch: "fix/typo", Commit: "f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e", PullRequest: "31",
			BaseBranch: "master", BuildNumber: "210", BuildURL: "https://ci.acme.dev/job/webapp-pr/210/", Repository: "acme/webapp",
			Workspace: "/var/jenkins_home/workspace/webapp-pr", HeadCommit: "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"},
		sources: map[string]string{FieldPullRequest: "ghprbPullId", FieldBranch: "ghprbSourceBranch", FieldBaseBranch: "ghprbTargetBranch"},
	},

	"travis-push": {
		want: Context{Provider: "travis", Branch: "main", Commit: shaMain, BuildNumber: "311",
			BuildURL: "https://app.travis-ci.com/acme/webapp/builds/260012345", Repository: "acme/webapp",
			Workspace: "/home/travis/build/acme/webapp", Event: "push"},
		sources: map[string]string{FieldBranch: "TRAVIS_BRANCH"},
	},
	"travis-tag": {
		want: Context{Provider: "travis", Tag: "v1.4.0", Commit: shaTag, BuildNumber: "312",
			BuildURL: "https://app.travis-ci.com/acme/webapp/builds/260012399", Repository: "acme/webapp",
			Workspace: "/home/travis/build/acme/webapp", Event: "push"},
		sources: map[string]string{FieldTag: "TRAVIS_TAG"},
	},
	"travis-pull-request": {
		want: Context{Provider: "travis", Branch: "feature/login", Commit: shaMerge, PullRequest: "57", BaseBranch: "main",
			BuildNumber: "313", BuildURL: "https://app.travis-ci.com/acme/webapp/builds/260012401", Repository: "acme/webapp",
			Workspace: "/home/travis/build/acme/webapp", Event: "pull_request", HeadCommit: shaHead},
		sources: map[string]string{FieldBranch: "TRAVIS_PULL_REQUEST_BRANCH", FieldBaseBranch: "TRAVIS_BRANCH"},
	},
	"travis-fork-pull-request": {
		want: Context{Provider: "travis", Branch: "patch-1", Commit: shaForkM, PullRequest: "58", BaseBranch: "main", Fork: true,
			BuildNumber: "314", BuildURL: "https://app.travis-ci.com/acme/webapp/builds/260012450", Repository: "acme/webapp",
			Workspace: "/home/travis/build/acme/webapp", Event: "pull_request", HeadCommit: shaForkH},
		sources: map[string]string{FieldFork: "TRAVIS_PULL_REQUEST_SLUG+TRAVIS_REPO_SLUG"},
	},

	"gitlab-push": {
		want: Context{Provider: "gitlab", Branch: "main", Commit: shaMain, BuildNumber: "1122334455",
			BuildURL: "https://gitlab.com/acme/webapp/-/pipelines/1122334455", Repository: "acme/webapp",
			Workspace: "/builds/acme/webapp", Event: "push"},
		sources: map[string]string{FieldBranch: "CI_COMMIT_BRANCH", FieldBuildURL: "CI_PIPELINE_URL"},
	},
	"gitlab-tag": {
		want: Context{Provider: "gitlab", Tag: "v1.4.0", Commit: shaTag, BuildNumber: "1122334500",
			BuildURL: "https://gitlab.com/acme/webapp/-/pipelines/1122334500", Repository: "acme/webapp",
			Workspace: "/builds/acme/webapp", Event: "push"},
		sources: map[string]string{FieldTag: "CI_COMMIT_TAG"},
	},
	"gitlab-merge-request": {
		want: Context{Provider: "gitlab", Branch: "feature/login", Commit: shaHead, PullRequest: "42", BaseBranch: "main",
			BuildNumber: "1122334600", BuildURL: "https://gitlab.com/acme/webapp/-/pipelines/1122334600", Repository: "acme/webapp",
			Workspace: "/builds/acme/webapp", Event: "merge_request_event"},
		sources: map[string]string{FieldPullRequest: "CI_MERGE_REQUEST_IID", FieldBranch: "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"},
	},
	"gitlab-fork-merge-request": {
		want: Context{Provider: "gitlab", Branch: "patch-1", Commit: shaForkH, PullRequest: "43", BaseBranch: "main", Fork: true,
			BuildNumber: "1122334700", BuildURL: "https://gitlab.com/acme/webapp/-/pipelines/1122334700", Repository: "acme/webapp",
			Workspace: "/builds/acme/webapp", Event: "merge_request_event"},
		sources: map[string]string{FieldFork: "CI_MERGE_REQUEST_SOURCE_PROJECT_ID+CI_MERGE_REQUEST_PROJECT_ID"},
	},

	"bitbucket-push": {
		want: Context{Provider: "bitbucket", Branch: "main", Commit: shaMain, BuildNumber: "77",
			BuildURL: "https://bitbucket.org/acme/webapp/addon/pipelines/home#!/results/77", Repository: "acme/webapp",
			Workspace: "/opt/atlassian/pipelines/agent/build"},
		sources: map[string]string{FieldBranch: "BITBUCKET_BRANCH"},
	},
	"bitbucket-tag": {
		want: Context{Provider: "bitbucket", Tag: "v1.4.0", Commit: shaTag, BuildNumber: "78",
			BuildURL: "https://bitbucket.org/acme/webapp/addon/pipelines/home#!/results/78", Repository: "acme/webapp",
			Workspace: "/opt/atlassian/pipelines/agent/build"},
		sources: map[string]string{FieldTag: "BITBUCKET_TAG"},
	},
	"bitbucket-pull-request": {
		want: Context{Provider: "bitbucket", Branch: "feature/login", Commit: shaHead, PullRequest: "12", BaseBranch: "main", Fork: true,
			BuildNumber: "79", BuildURL: "https://bitbucket.org/acme/webapp/addon/pipelines/home#!/results/79", Repository: "acme/webapp",
			Workspace: "/opt/atlassian/pipelines/agent/build"},
		sources: map[string]string{FieldFork: SourceForkAssumed, FieldPullRequest: "BITBUCKET_PR_ID", FieldBaseBranch: "BITBUCKET_PR_DESTINATION_BRANCH"},
	},

	"buildkite-push": {
		want: Context{Provider: "buildkite", Branch: "main", Commit: shaMain, BuildNumber: "1502",
			BuildURL: "https://buildkite.com/acme/webapp/builds/1502", Repository: "acme/webapp",
			Workspace: "/var/lib/buildkite-agent/builds/acme-agent-i-0abc123-1/acme/webapp", Event: "webhook"},
		sources: map[string]string{FieldBranch: "BUILDKITE_BRANCH", FieldRepository: "BUILDKITE_REPO"},
	},
	"buildkite-tag": {
		want: Context{Provider: "buildkite", Tag: "v1.4.0", Commit: shaTag, BuildNumber: "1503",
			BuildURL: "https://buildkite.com/acme/webapp/builds/1503", Repository: "acme/webapp",
			Workspace: "/var/lib/buildkite-agent/builds/acme-agent-i-0abc123-1/acme/webapp", Event: "webhook"},
		sources: map[string]string{FieldTag: "BUILDKITE_TAG"},
	},
	"buildkite-pull-request": {
		want: Context{Provider: "buildkite", Branch: "feature/login", Commit: shaHead, PullRequest: "57", BaseBranch: "main",
			BuildNumber: "1504", BuildURL: "https://buildkite.com/acme/webapp/builds/1504", Repository: "acme/webapp",
			Workspace: "/var/lib/buildkite-agent/builds/acme-agent-i-0abc123-1/acme/webapp", Event: "webhook"},
	},
	"buildkite-fork-pull-request": {
		want: Context{Provider: "buildkite", Branch: "patch-1", Commit: shaForkH, PullRequest: "58", BaseBranch: "main", Fork: true,
			BuildNumber: "1505", BuildURL: "https://buildkite.com/acme/webapp/builds/1505", Repository: "acme/webapp",
			Workspace: "/var/lib/buildkite-agent/builds/acme-agent-i-0abc123-1/acme/webapp", Event: "webhook"},
		sources: map[string]string{FieldFork: "BUILDKITE_BRANCH"},
	},

	"drone-push": {
		want: Context{Provider: "drone", Branch: "main", Commit: shaMain, BuildNumber: "66",
			BuildURL: "https://drone.acme.dev/acme/webapp/66", Repository: "acme/webapp", Workspace: "/drone/src", Event: "push"},
		sources: map[string]string{FieldBranch: "DRONE_BRANCH"},
	},
	"drone-tag": {
		want: Context{Provider: "drone", Tag: "v1.4.0", Commit: shaTag, BuildNumber: "67",
			BuildURL: "https://drone.acme.dev/acme/webapp/67", Repository: "acme/webapp", Workspace: "/drone/src", Event: "tag"},
		sources: map[string]string{FieldTag: "DRONE_TAG"},
	},
	"drone-pull-request": {
		want: Context{Provider: "drone", Branch: "feature/login", Commit: shaHead, PullRequest: "57", BaseBranch: "main", Fork: true,
			BuildNumber: "68", BuildURL: "https://drone.acme.dev/acme/webapp/68", Repository: "acme/webapp", Workspace: "/drone/src",
			Event: "pull_request"},
		sources: map[string]string{FieldFork: SourceForkAssumed, FieldBranch: "DRONE_SOURCE_BRANCH", FieldBaseBranch: "DRONE_TARGET_BRANCH"},
	},

	"woodpecker-push": {
		want: Context{Provider: "woodpecker", Branch: "main", Commit: shaMain, BuildNumber: "91",
			BuildURL: "https://ci.acme.dev/repos/7/pipeline/91", Repository: "acme/webapp",
			Workspace: "/woodpecker/src/git.acme.dev/acme/webapp", Event: "push"},
		sources: map[string]string{FieldBranch: "CI_COMMIT_BRANCH"},
	},
	"woodpecker-tag": {
		want: Context{Provider: "woodpecker", Tag: "v1.4.0", Commit: shaTag, BuildNumber: "92",
			BuildURL: "https://ci.acme.dev/repos/7/pipeline/92", Repository: "acme/webapp",
			Workspace: "/woodpecker/src/git.acme.dev/acme/webapp", Event: "tag"},
		sources: map[string]string{FieldTag: "CI_COMMIT_TAG"},
	},
	"woodpecker-pull-request": {
		want: Context{Provider: "woodpecker", Branch: "feature/login", Commit: shaHead, PullRequest: "57", BaseBranch: "main", Fork: true,
			BuildNumber: "93", BuildURL: "https://ci.acme.dev/repos/7/pipeline/93", Repository: "acme/webapp",
			Workspace: "/woodpecker/src/git.acme.dev/acme/webapp", Event: "pull_request"},
		sources: map[string]string{FieldFork: SourceForkAssumed, FieldBranch: "CI_COMMIT_SOURCE_BRANCH", FieldBaseBranch: "CI_COMMIT_TARGET_BRANCH"},
	},

	"azure-push": {
		want: Context{Provider: "azure", Branch: "release/2024.06", Commit: shaMain, BuildNumber: "20240611.3",
			BuildURL: "https://dev.azure.com/acme/Web%20Platform/_build/results?buildId=4521", Repository: "acme/webapp",
			Workspace: "/home/vsts/work/1/s", Event: "IndividualCI"},
		sources: map[string]string{FieldBranch: "BUILD_SOURCEBRANCH"},
	},
	"azure-tag": {
		want: Context{Provider: "azure", Tag: "v1.4.0", Commit: shaTag, BuildNumber: "20240611.4",
			BuildURL: "https://dev.azure.com/acme/Web%20Platform/_build/results?buildId=4530", Repository: "acme/webapp",
			Workspace: "/home/vsts/work/1/s", Event: "IndividualCI"},
		sources: map[string]string{FieldTag: "BUILD_SOURCEBRANCH"},
	},
	"azure-pull-request": {
		want: Context{Provider: "azure", Branch: "feature/login", Commit: shaMerge, PullRequest: "57", BaseBranch: "main",
			BuildNumber: "20240611.5", BuildURL: "https://dev.azure.com/acme/Web%20Platform/_build/results?buildId=4540",
			Repository: "acme/webapp", Workspace: "/home/vsts/work/1/s", Event: "PullRequest", HeadCommit: shaHead},
		sources: map[string]string{FieldPullRequest: "SYSTEM_PULLREQUEST_PULLREQUESTNUMBER"},
	},
	"azure-fork-pull-request": {
		want: Context{Provider: "azure", Branch: "patch-1", Commit: shaForkM, PullRequest: "58", BaseBranch: "main", Fork: true,
			BuildNumber: "20240611.6", BuildURL: "https://dev.azure.com/acme/Web%20Platform/_build/results?buildId=4550",
			Repository: "acme/webapp", Workspace: "/home/vsts/work/1/s", Event: "PullRequest", HeadCommit: shaForkH},
		sources: map[string]string{FieldFork: "SYSTEM_PULLREQUEST_ISFORK"},
	},

	"codebuild-push": {
		want: Context{Provider: "codebuild", Branch: "main", Commit: shaMain, BuildNumber: "58",
			BuildURL: "https://us-east-1.console.aws.amazon.com/codesuite/codebuild/projects/webapp-deploy/build/" +
				"webapp-deploy:8f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f/?region=us-east-1",
			Repository: "acme/webapp", Workspace: "/codebuild/output/src123456789/src/github.com/acme/webapp", Event: "PUSH"},
		sources: map[string]string{FieldBranch: "CODEBUILD_WEBHOOK_TRIGGER", FieldCommit: "CODEBUILD_RESOLVED_SOURCE_VERSION"},
	},
	"codebuild-tag": {
		want: Context{Provider: "codebuild", Tag: "v1.4.0", Commit: shaTag, BuildNumber: "59",
			BuildURL: "https://us-east-1.console.aws.amazon.com/codesuite/codebuild/projects/webapp-deploy/build/" +
				"webapp-deploy:9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d/?region=us-east-1",
			Repository: "acme/webapp", Workspace: "/codebuild/output/src223456789/src/github.com/acme/webapp", Event: "PUSH"},
		sources: map[string]string{FieldTag: "CODEBUILD_WEBHOOK_TRIGGER"},
	},
	"codebuild-pull-request": {
		want: Context{Provider: "codebuild", Branch: "feature/login", Commit: shaHead, PullRequest: "57", BaseBranch: "main", Fork: true,
			BuildNumber: "60",
			BuildURL: "https://us-east-1.console.aws.amazon.com/codesuite/codebuild/projects/webapp-deploy/build/" +
				"webapp-deploy:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d/?region=us-east-1",
			Repository: "acme/webapp", Workspace: "/codebuild/output/src323456789/src/github.com/acme/webapp",
			Event: "PULL_REQUEST_UPDATED"},
		sources: map[string]string{FieldFork: SourceForkAssumed, FieldPullRequest: "CODEBUILD_WEBHOOK_TRIGGER", FieldBranch: "CODEBUILD_WEBHOOK_HEAD_REF",
			FieldBaseBranch: "CODEBUILD_WEBHOOK_BASE_REF"},
	},
	"codebuild-manual": {
		want: Context{Provider: "codebuild", Commit: shaMain, BuildNumber: "61",
			BuildURL: "https://us-east-1.console.aws.amazon.com/codesuite/codebuild/projects/webapp-deploy/build/" +
				"webapp-deploy:2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e/?region=us-east-1",
			Repository: "acme/webapp", Workspace: "/codebuild/output/src423456789/src/github.com/acme/webapp"},
	},

	"bitrise-push": {
		want: Context{Provider: "bitrise", Branch: "main", Commit: shaMain, BuildNumber: "301",
			BuildURL: "https://app.bitrise.io/build/9f8e7d6c5b4a3210", Repository: "acme/webapp", Workspace: "/bitrise/src"},
		sources: map[string]string{FieldProvider: "BITRISE_IO", FieldBranch: "BITRISE_GIT_BRANCH", FieldCommit: "BITRISE_GIT_COMMIT"},
	},
	"bitrise-tag": {
		want: Context{Provider: "bitrise", Tag: "v1.4.0", Commit: shaTag, BuildNumber: "302",
			BuildURL: "https://app.bitrise.io/build/9f8e7d6c5b4a3211", Repository: "acme/webapp", Workspace: "/bitrise/src"},
		sources: map[string]string{FieldTag: "BITRISE_GIT_TAG"},
	},
	"bitrise-pull-request": {
		want: Context{Provider: "bitrise", Branch: "feature/login", Commit: shaHead, PullRequest: "57", BaseBranch: "main",
			BuildNumber: "303", BuildURL: "https://app.bitrise.io/build/9f8e7d6c5b4a3212", Repository: "acme/webapp", Workspace: "/bitrise/src"},
		sources: map[string]string{FieldPullRequest: "BITRISE_PULL_REQUEST", FieldBranch: "BITRISE_GIT_BRANCH",
			FieldBaseBranch: "BITRISEIO_GIT_BRANCH_DEST"},
	},
	"bitrise-fork-pull-request": {
		want: Context{Provider: "bitrise", Branch: "patch-1", Commit: shaForkH, PullRequest: "58", BaseBranch: "main", Fork: true,
			BuildNumber: "304", BuildURL: "https://app.bitrise.io/build/9f8e7d6c5b4a3213", Repository: "acme/webapp", Workspace: "/bitrise/src"},
		sources: map[string]string{FieldFork: "BITRISEIO_PULL_REQUEST_REPOSITORY_URL+GIT_REPOSITORY_URL"},
	},

	"appveyor-push": {
		want: Context{Provider: "appveyor", Branch: "main", Commit: shaMain, BuildNumber: "71",
			BuildURL: "https://ci.appveyor.com/project/acme/webapp/builds/16428432", Repository: "acme/webapp",
			Workspace: "/home/appveyor/projects/webapp"},
		sources: map[string]string{FieldProvider: "APPVEYOR", FieldBranch: "APPVEYOR_REPO_BRANCH", FieldCommit: "APPVEYOR_REPO_COMMIT"},
	},
	"appveyor-tag": {
		want: Context{Provider: "appveyor", Tag: "v1.4.0", Commit: shaTag, BuildNumber: "72",
			BuildURL: "https://ci.appveyor.com/project/acme/webapp/builds/16428440", Repository: "acme/webapp",
			Workspace: "/home/appveyor/projects/webapp"},
		sources: map[string]string{FieldTag: "APPVEYOR_REPO_TAG_NAME"},
	},
	"appveyor-pull-request": {
		want: Context{Provider: "appveyor", Branch: "feature/login", Commit: shaMerge, PullRequest: "57", BaseBranch: "main",
			BuildNumber: "73", BuildURL: "https://ci.appveyor.com/project/acme/webapp/builds/16428450", Repository: "acme/webapp",
			Workspace: "/home/appveyor/projects/webapp", HeadCommit: shaHead},
		sources: map[string]string{FieldBranch: "APPVEYOR_PULL_REQUEST_HEAD_REPO_BRANCH", FieldBaseBranch: "APPVEYOR_REPO_BRANCH"},
	},
	"appveyor-fork-pull-request": {
		want: Context{Provider: "appveyor", Branch: "patch-1", Commit: shaForkM, PullRequest: "58", BaseBranch: "main", Fork: true,
			BuildNumber: "74", BuildURL: "https://ci.appveyor.com/project/acme/webapp/builds/16428460", Repository: "acme/webapp",
			Workspace: "/home/appveyor/projects/webapp", HeadCommit: shaForkH},
		sources: map[string]string{FieldFork: "APPVEYOR_PULL_REQUEST_HEAD_REPO_NAME+APPVEYOR_REPO_NAME"},
	},

	"semaphore-push": {
		want: Context{Provider: "semaphore", Branch: "main", Commit: shaMain, BuildNumber: "201",
			BuildURL: "https://acme.semaphoreci.com/workflows/65c2a1b4-1f0e-4c8a-9d3b-2a1b0c9d8e7f", Repository: "acme/webapp",
			Workspace: "/home/semaphore/webapp", Event: "branch"},
		sources: map[string]string{FieldProvider: "SEMAPHORE", FieldBranch: "SEMAPHORE_GIT_BRANCH", FieldCommit: "SEMAPHORE_GIT_SHA"},
	},
	"semaphore-tag": {
		want: Context{Provider: "semaphore", Tag: "v1.4.0", Commit: shaTag, BuildNumber: "202",
			BuildURL: "https://acme.semaphoreci.com/workflows/75d3b2c5-2a1f-4d9b-8e4c-3b2c1d0e9f8a", Repository: "acme/webapp",
			Workspace: "/home/semaphore/webapp", Event: "tag"},
		sources: map[string]string{FieldTag: "SEMAPHORE_GIT_TAG_NAME"},
	},
	"semaphore-pull-request": {
		want: Context{Provider: "semaphore", Branch: "feature/login", Commit: shaMerge, PullRequest: "57", BaseBranch: "main",
			BuildNumber: "203", BuildURL: "https://acme.semaphoreci.com/workflows/85e4c3d6-3b2a-4e0c-9f5d-4c3d2e1f0a9b",
			Repository: "acme/webapp", Workspace: "/home/semaphore/webapp", Event: "pull-request", HeadCommit: shaHead},
		sources: map[string]string{FieldPullRequest: "SEMAPHORE_GIT_PR_NUMBER", FieldBranch: "SEMAPHORE_GIT_PR_BRANCH",
			FieldBaseBranch: "SEMAPHORE_GIT_BRANCH", FieldHeadCommit: "SEMAPHORE_GIT_PR_SHA"},
	},
	"semaphore-fork-pull-request": {
		want: Context{Provider: "semaphore", Branch: "patch-1", Commit: shaForkM, PullRequest: "58", BaseBranch: "main", Fork: true,
			BuildNumber: "204", BuildURL: "https://acme.semaphoreci.com/workflows/95f5d4e7-4c3b-4f1d-8a6e-5d4e3f2a1b0c",
			Repository: "acme/webapp", Workspace: "/home/semaphore/webapp", Event: "pull-request", HeadCommit: shaForkH},
		sources: map[string]string{FieldFork: "SEMAPHORE_GIT_PR_SLUG+SEMAPHORE_GIT_REPO_SLUG"},
	},

	"codefresh-push": {
		want: Context{Provider: "codefresh", Branch: "main", Commit: shaMain, BuildNumber: "65f1a2b3c4d5e6f7a8b9c0d1",
			BuildURL: "https://g.codefresh.io/build/65f1a2b3c4d5e6f7a8b9c0d1", Repository: "acme/webapp", Workspace: "/codefresh/volume/webapp"},
		sources: map[string]string{FieldProvider: "CF_BUILD_ID", FieldBranch: "CF_BRANCH", FieldCommit: "CF_REVISION"},
	},
	"codefresh-tag": {
		git: &fakeGit{commit: gitCommit, tags: []string{"v1.4.0"}},
		want: Context{Provider: "codefresh", Tag: "v1.4.0", Commit: shaTag, BuildNumber: "65f1a2b3c4d5e6f7a8b9c0d2",
			BuildURL: "https://g.codefresh.io/build/65f1a2b3c4d5e6f7a8b9c0d2", Repository: "acme/webapp", Workspace: "/codefresh/volume/webapp"},
		sources: map[string]string{FieldTag: "CF_BRANCH+CF_BASE_BRANCH+git"},
	},
	"codefresh-pull-request": {
		want: Context{Provider: "codefresh", Branch: "feature/login", Commit: shaHead, PullRequest: "57", BaseBranch: "main",
			BuildNumber: "65f1a2b3c4d5e6f7a8b9c0d3", BuildURL: "https://g.codefresh.io/build/65f1a2b3c4d5e6f7a8b9c0d3",
			Repository: "acme/webapp", Workspace: "/codefresh/volume/webapp", Event: "opened"},
		sources: map[string]string{FieldPullRequest: "CF_PULL_REQUEST_NUMBER", FieldBaseBranch: "CF_PULL_REQUEST_TARGET"},
	},
	"codefresh-fork-pull-request": {
		want: Context{Provider: "codefresh", Branch: "patch-1", Commit: shaForkH, PullRequest: "58", BaseBranch: "main", Fork: true,
			BuildNumber: "65f1a2b3c4d5e6f7a8b9c0d4", BuildURL: "https://g.codefresh.io/build/65f1a2b3c4d5e6f7a8b9c0d4",
			Repository: "acme/webapp", Workspace: "/codefresh/volume/webapp", Event: "opened"},
		sources: map[string]string{FieldFork: "CF_PULL_REQUEST_IS_FORK"},
	},

	"cirrus-push": {
		want: Context{Provider: "cirrus", Branch: "main", Commit: shaMain, BuildNumber: "5123456789012345",
			BuildURL: "https://cirrus-ci.com/build/5123456789012345", Repository: "acme/webapp", Workspace: "/tmp/cirrus-ci-build"},
		sources: map[string]string{FieldProvider: "CIRRUS_CI", FieldBranch: "CIRRUS_BRANCH", FieldCommit: "CIRRUS_CHANGE_IN_REPO"},
	},
	"cirrus-tag": {
		want: Context{Provider: "cirrus", Tag: "v1.4.0", Commit: shaTag, BuildNumber: "5123456789012346",
			BuildURL: "https://cirrus-ci.com/build/5123456789012346", Repository: "acme/webapp", Workspace: "/tmp/cirrus-ci-build"},
		sources: map[string]string{FieldTag: "CIRRUS_TAG"},
	},
	"cirrus-pull-request": {
		want: Context{Provider: "cirrus", Branch: "feature/login", Commit: shaHead, PullRequest: "57", BaseBranch: "main", Fork: true,
			BuildNumber: "5123456789012347", BuildURL: "https://cirrus-ci.com/build/5123456789012347", Repository: "acme/webapp",
			Workspace: "/tmp/cirrus-ci-build"},
		sources: map[string]string{FieldPullRequest: "CIRRUS_PR", FieldBranch: "CIRRUS_HEAD_BRANCH", FieldBaseBranch: "CIRRUS_BASE_BRANCH",
			FieldFork: SourceForkAssumed},
	},

	"bamboo-push": {
		want: Context{Provider: "bamboo", Branch: "main", Commit: shaMain, BuildNumber: "41",
			BuildURL: "https://bamboo.acme.dev/browse/WEB-DEPLOY-JOB1-41", Repository: "acme/webapp",
			Workspace: "/var/atlassian/bamboo-agent/xml-data/build-dir/WEB-DEPLOY-JOB1"},
		sources: map[string]string{FieldProvider: "bamboo_buildKey", FieldBranch: "bamboo_planRepository_branchName",
			FieldCommit: "bamboo_planRepository_revision"},
	},
	"bamboo-pull-request": {
		want: Context{Provider: "bamboo", Branch: "feature/login", Commit: shaHead, PullRequest: "12", BaseBranch: "main", Fork: true,
			BuildNumber: "3", BuildURL: "https://bamboo.acme.dev/browse/WEB-DEPLOY7-JOB1-3", Repository: "acme/webapp",
			Workspace: "/var/atlassian/bamboo-agent/xml-data/build-dir/WEB-DEPLOY-JOB1"},
		sources: map[string]string{FieldPullRequest: "bamboo_repository_pr_key", FieldBranch: "bamboo_repository_pr_sourceBranch",
			FieldBaseBranch: "bamboo_repository_pr_targetBranch", FieldFork: SourceForkAssumed},
	},

	"teamcity-push": {
		want: Context{Provider: "teamcity", Branch: "main", Commit: shaMain, BuildNumber: "215",
			BuildURL: "https://teamcity.acme.dev/viewLog.html?buildId=9001", Workspace: "/opt/buildagent/work/8a7c2e1f33b9d4e5"},
		sources: map[string]string{FieldBranch: "TEAMCITY_BUILD_PROPERTIES_FILE:teamcity.build.branch"},
	},
	"teamcity-branch-from-git": {
		git:     &fakeGit{commit: gitCommit, branch: "main"},
		want:    Context{Provider: "teamcity", Branch: "main", Commit: gitCommit, BuildNumber: "216"},
		sources: map[string]string{FieldBranch: SourceGit, FieldCommit: SourceGit},
	},

	"generic-push": {
		git:     &fakeGit{commit: gitCommit, branch: "main"},
		want:    Context{Provider: "generic", Branch: "main", Commit: gitCommit, BuildNumber: "12"},
		sources: map[string]string{FieldProvider: "CI", FieldBranch: SourceGit},
	},
	"local": {
		git:     &fakeGit{commit: gitCommit, branch: "feature/x", tags: []string{"v9.9.9"}},
		want:    Context{Provider: "local", Branch: "feature/x", Commit: gitCommit},
		sources: map[string]string{FieldBranch: SourceGit, FieldCommit: SourceGit},
	},
}

// TestRecordedEnvironments runs Detect over every testdata/*.env: full
// environments, noise variables included, reconstructed from the vendors'
// documentation. A sibling <name>.event.json or <name>.properties stands in
// for the file GITHUB_EVENT_PATH or TEAMCITY_BUILD_PROPERTIES_FILE names on
// the runner.
func TestRecordedEnvironments(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.env")
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".env")
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tc, ok := recorded[name]
			require.True(t, ok, "no expected context for %s", file)
			env := loadEnv(t, file)
			if _, err := os.Stat("testdata/" + name + ".event.json"); err == nil {
				env["GITHUB_EVENT_PATH"] = "testdata/" + name + ".event.json"
			}
			if _, err := os.Stat("testdata/" + name + ".properties"); err == nil {
				env["TEAMCITY_BUILD_PROPERTIES_FILE"] = "testdata/" + name + ".properties"
			}
			git := detachedGit()
			if tc.git != nil {
				g := *tc.git
				git = &g
			}
			got, err := Detect(t.Context(), envconfig.MapLookuper(env), git)
			require.NoError(t, err)
			requireInvariants(t, got)
			for k, v := range tc.sources {
				require.Equal(t, v, got.Sources[k], "source of %s", k)
			}
			got.Sources = nil
			require.Equal(t, tc.want, got)
		})
	}
	for name := range recorded {
		require.True(t, seen[name], "expected context for missing testdata/%s.env", name)
	}
}
