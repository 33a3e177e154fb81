package cienv

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sethvargo/go-envconfig"
	"github.com/stretchr/testify/require"
)

// summary is the part of a Context the branch rules depend on.
type summary struct {
	Provider, Branch, Tag, Commit, PullRequest, BaseBranch string
	Fork                                                   bool
}

func summarise(c Context) summary {
	return summary{c.Provider, c.Branch, c.Tag, c.Commit, c.PullRequest, c.BaseBranch, c.Fork}
}

// TestTraps has one case per known trap in the CI providers' variables, and a few more.
func TestTraps(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		env      map[string]string
		event    string   // written to a file named by GITHUB_EVENT_PATH
		props    string   // written to a file named by TEAMCITY_BUILD_PROPERTIES_FILE
		git      *fakeGit // default: detached HEAD, no tags
		want     summary
		sources  map[string]string
		gitCalls []string // when set, exactly the git questions asked
	}{
		// 1. Pull request builds report the target branch as "the branch".
		"travis pull request reports the target branch": {
			env: map[string]string{"TRAVIS": "true", "TRAVIS_BRANCH": "master", "TRAVIS_PULL_REQUEST": "7",
				"TRAVIS_PULL_REQUEST_BRANCH": "feature", "TRAVIS_COMMIT": "abc"},
			want:    summary{Provider: "travis", Branch: "feature", BaseBranch: "master", PullRequest: "7", Commit: "abc", Fork: true},
			sources: map[string]string{FieldBranch: "TRAVIS_PULL_REQUEST_BRANCH", FieldBaseBranch: "TRAVIS_BRANCH"},
		},
		"drone pull request reports the target branch": {
			env: map[string]string{"DRONE": "true", "DRONE_BUILD_EVENT": "pull_request", "DRONE_BRANCH": "master",
				"DRONE_COMMIT_BRANCH": "master", "DRONE_SOURCE_BRANCH": "feature", "DRONE_TARGET_BRANCH": "master",
				"DRONE_PULL_REQUEST": "8", "DRONE_COMMIT_SHA": "abc"},
			want: summary{Provider: "drone", Branch: "feature", BaseBranch: "master", PullRequest: "8", Commit: "abc", Fork: true},
		},
		"drone pull request without a number is still a pull request": {
			env: map[string]string{"DRONE": "true", "DRONE_BUILD_EVENT": "pull_request", "DRONE_BRANCH": "master",
				"DRONE_COMMIT_SHA": "abc"},
			want: summary{Provider: "drone", BaseBranch: "master", PullRequest: PullRequestUnknown, Commit: "abc", Fork: true},
		},
		"woodpecker pull request reports the target branch": {
			env: map[string]string{"CI": "woodpecker", "CI_PIPELINE_EVENT": "pull_request", "CI_COMMIT_BRANCH": "master",
				"CI_COMMIT_SOURCE_BRANCH": "feature", "CI_COMMIT_TARGET_BRANCH": "master", "CI_COMMIT_PULL_REQUEST": "9",
				"CI_COMMIT_SHA": "abc"},
			want: summary{Provider: "woodpecker", Branch: "feature", BaseBranch: "master", PullRequest: "9", Commit: "abc", Fork: true},
		},
		"woodpecker 3 pull_request_closed is a pull request": {
			env: map[string]string{"CI": "woodpecker", "CI_PIPELINE_EVENT": "pull_request_closed", "CI_COMMIT_BRANCH": "master",
				"CI_COMMIT_SOURCE_BRANCH": "feature", "CI_COMMIT_PULL_REQUEST": "9", "CI_COMMIT_SHA": "abc"},
			want: summary{Provider: "woodpecker", Branch: "feature", BaseBranch: "master", PullRequest: "9", Commit: "abc", Fork: true},
		},
		"gitlab merge request pipeline has empty CI_COMMIT_BRANCH": {
			env: map[string]string{"GITLAB_CI": "true", "CI_COMMIT_BRANCH": "", "CI_COMMIT_REF_NAME": "feature",
				"CI_MERGE_REQUEST_IID": "3", "CI_MERGE_REQUEST_ID": "99001", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature",
				"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "master", "CI_COMMIT_SHA": "abc"},
			want:    summary{Provider: "gitlab", Branch: "feature", BaseBranch: "master", PullRequest: "3", Commit: "abc", Fork: true},
			sources: map[string]string{FieldPullRequest: "CI_MERGE_REQUEST_IID"},
		},
		"azure pull request reads the source branch, not the target": {
			env: map[string]string{"TF_BUILD": "True", "BUILD_REASON": "PullRequest", "BUILD_SOURCEBRANCH": "refs/pull/4/merge",
				"BUILD_SOURCEBRANCHNAME": "merge", "SYSTEM_PULLREQUEST_PULLREQUESTID": "4",
				"SYSTEM_PULLREQUEST_SOURCEBRANCH": "refs/heads/feature/x", "SYSTEM_PULLREQUEST_TARGETBRANCH": "refs/heads/master",
				"BUILD_SOURCEVERSION": "abc"},
			want: summary{Provider: "azure", Branch: "feature/x", BaseBranch: "master", PullRequest: "4", Commit: "abc", Fork: true},
		},

		// 2. Travis tag builds set TRAVIS_BRANCH to the tag.
		"travis tag build sets TRAVIS_BRANCH to the tag": {
			env: map[string]string{"TRAVIS": "true", "TRAVIS_BRANCH": "v2.0.0", "TRAVIS_TAG": "v2.0.0",
				"TRAVIS_PULL_REQUEST": "false", "TRAVIS_COMMIT": "abc"},
			want: summary{Provider: "travis", Tag: "v2.0.0", Commit: "abc"},
		},

		// 3. GitHub pull requests.
		"github refs/pull/N/merge": {
			env: map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "1", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/12/merge",
				"GITHUB_REF_NAME": "12/merge", "GITHUB_HEAD_REF": "feature", "GITHUB_BASE_REF": "master", "GITHUB_SHA": "merge"},
			want:    summary{Provider: "github", Branch: "feature", BaseBranch: "master", PullRequest: "12", Commit: "merge", Fork: true},
			sources: map[string]string{FieldPullRequest: "GITHUB_REF"},
		},
		"github pull_request_target runs with the base branch ref": {
			env: map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "1", "GITHUB_EVENT_NAME": "pull_request_target",
				"GITHUB_REF": "refs/heads/master", "GITHUB_REF_NAME": "master", "GITHUB_HEAD_REF": "feature",
				"GITHUB_BASE_REF": "master", "GITHUB_SHA": "base"},
			event: `{"number": 13, "pull_request": {"number": 13, "head": {"ref": "feature", "sha": "head",
				"repo": {"full_name": "acme/webapp", "fork": false}}, "base": {"ref": "master", "repo": {"full_name": "acme/webapp"}}}}`,
			want:    summary{Provider: "github", Branch: "feature", BaseBranch: "master", PullRequest: "13", Commit: "base"},
			sources: map[string]string{FieldPullRequest: "GITHUB_EVENT_PATH"},
		},
		"github pull_request_target without a readable event is still a pull request": {
			env: map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "1", "GITHUB_EVENT_NAME": "pull_request_target",
				"GITHUB_REF": "refs/heads/master", "GITHUB_HEAD_REF": "feature", "GITHUB_BASE_REF": "master",
				"GITHUB_SHA": "base", "GITHUB_EVENT_PATH": "/nonexistent/event.json"},
			want: summary{Provider: "github", Branch: "feature", BaseBranch: "master", PullRequest: PullRequestUnknown, Commit: "base", Fork: true},
		},
		"github malformed event file is ignored": {
			env: map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "1", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/12/merge",
				"GITHUB_HEAD_REF": "feature", "GITHUB_BASE_REF": "master", "GITHUB_SHA": "merge"},
			event: `{"pull_request": {`,
			want:  summary{Provider: "github", Branch: "feature", BaseBranch: "master", PullRequest: "12", Commit: "merge", Fork: true},
		},
		"github fork pull request from the event file": {
			env: map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "1", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/14/merge",
				"GITHUB_HEAD_REF": "patch-1", "GITHUB_BASE_REF": "master", "GITHUB_SHA": "merge"},
			event: `{"pull_request": {"number": 14, "head": {"repo": {"full_name": "someone/webapp", "fork": true}},
				"base": {"repo": {"full_name": "acme/webapp"}}}}`,
			want:    summary{Provider: "github", Branch: "patch-1", BaseBranch: "master", PullRequest: "14", Commit: "merge", Fork: true},
			sources: map[string]string{FieldFork: "GITHUB_EVENT_PATH"},
		},
		"github pull request from a deleted fork counts as a fork": {
			env: map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "1", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/15/merge",
				"GITHUB_HEAD_REF": "patch-1", "GITHUB_BASE_REF": "master", "GITHUB_SHA": "merge"},
			event: `{"pull_request": {"number": 15, "head": {"ref": "patch-1", "repo": null}, "base": {"repo": {"full_name": "acme/webapp"}}}}`,
			want:  summary{Provider: "github", Branch: "patch-1", BaseBranch: "master", PullRequest: "15", Commit: "merge", Fork: true},
		},
		"github pull request within a repository that is itself a fork is not a fork": {
			env: map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "1", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/2/merge",
				"GITHUB_HEAD_REF": "feature", "GITHUB_BASE_REF": "main", "GITHUB_SHA": "merge"},
			event: `{"pull_request": {"number": 2, "head": {"repo": {"full_name": "me/webapp", "fork": true}},
				"base": {"repo": {"full_name": "me/webapp", "fork": true}}}}`,
			want: summary{Provider: "github", Branch: "feature", BaseBranch: "main", PullRequest: "2", Commit: "merge"},
		},

		// 4. refs/heads/ prefixes.
		"github refs/heads/ prefix stripped": {
			env:  map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "1", "GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/feature/a/b", "GITHUB_SHA": "abc"},
			want: summary{Provider: "github", Branch: "feature/a/b", Commit: "abc"},
		},
		"azure refs/heads/ prefix stripped": {
			env: map[string]string{"TF_BUILD": "True", "BUILD_SOURCEBRANCH": "refs/heads/feature/tools",
				"BUILD_SOURCEBRANCHNAME": "tools", "BUILD_SOURCEVERSION": "abc"},
			want:    summary{Provider: "azure", Branch: "feature/tools", Commit: "abc"},
			sources: map[string]string{FieldBranch: "BUILD_SOURCEBRANCH"},
		},
		"codebuild refs/heads/ prefix stripped from the head ref": {
			env: map[string]string{"CODEBUILD_BUILD_ID": "p:1", "CODEBUILD_WEBHOOK_HEAD_REF": "refs/heads/feature/x",
				"CODEBUILD_RESOLVED_SOURCE_VERSION": "abc"},
			want:    summary{Provider: "codebuild", Branch: "feature/x", Commit: "abc"},
			sources: map[string]string{FieldBranch: "CODEBUILD_WEBHOOK_HEAD_REF"},
		},
		"bitbucket branch has no prefix and keeps slashes": {
			env:  map[string]string{"BITBUCKET_BUILD_NUMBER": "5", "BITBUCKET_BRANCH": "feature/x", "BITBUCKET_COMMIT": "abc"},
			want: summary{Provider: "bitbucket", Branch: "feature/x", Commit: "abc"},
		},
		"azure shortened branch name": {
			env: map[string]string{"TF_BUILD": "True", "BUILD_SOURCEBRANCH": "refs/heads/feature/tools",
				"BUILD_SOURCEBRANCHNAME": "tools", "BUILD_SOURCEVERSION": "abc"},
			want: summary{Provider: "azure", Branch: "feature/tools", Commit: "abc"},
		},
		"azure shortened branch name is the last resort": {
			env:     map[string]string{"TF_BUILD": "True", "BUILD_SOURCEBRANCHNAME": "tools", "BUILD_SOURCEVERSION": "abc"},
			want:    summary{Provider: "azure", Branch: "tools", Commit: "abc"},
			sources: map[string]string{FieldBranch: "BUILD_SOURCEBRANCHNAME"},
		},
		"azure tag from BUILD_SOURCEBRANCH, not the shortened name": {
			env: map[string]string{"TF_BUILD": "True", "BUILD_SOURCEBRANCH": "refs/tags/v1.0.0",
				"BUILD_SOURCEBRANCHNAME": "v1.0.0", "BUILD_SOURCEVERSION": "abc"},
			want: summary{Provider: "azure", Tag: "v1.0.0", Commit: "abc"},
		},

		// 5. Jenkins.
		"jenkins origin/master": {
			env:     map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "1", "GIT_BRANCH": "origin/master", "GIT_COMMIT": "abc"},
			want:    summary{Provider: "jenkins", Branch: "master", Commit: "abc"},
			sources: map[string]string{FieldBranch: "GIT_BRANCH"},
		},
		"jenkins origin/ stripped only once": {
			env:  map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "1", "GIT_BRANCH": "origin/origin/x", "GIT_COMMIT": "abc"},
			want: summary{Provider: "jenkins", Branch: "origin/x", Commit: "abc"},
		},
		"jenkins other remote in refs/remotes form": {
			env:  map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "1", "GIT_BRANCH": "refs/remotes/upstream/release/1.x", "GIT_COMMIT": "abc"},
			want: summary{Provider: "jenkins", Branch: "release/1.x", Commit: "abc"},
		},
		"jenkins branch with a slash is not remote-qualified": {
			env:  map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "1", "GIT_BRANCH": "feature/login", "GIT_COMMIT": "abc"},
			want: summary{Provider: "jenkins", Branch: "feature/login", Commit: "abc"},
		},
		"jenkins GIT_LOCAL_BRANCH wins over GIT_BRANCH": {
			env: map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "1", "GIT_BRANCH": "origin/master",
				"GIT_LOCAL_BRANCH": "master", "GIT_COMMIT": "abc"},
			want:    summary{Provider: "jenkins", Branch: "master", Commit: "abc"},
			sources: map[string]string{FieldBranch: "GIT_LOCAL_BRANCH"},
		},
		"jenkins detached GIT_BRANCH falls back to git": {
			env:  map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "1", "GIT_BRANCH": "detached", "GIT_COMMIT": "abc"},
			git:  &fakeGit{commit: gitCommit, tags: []string{"v3.0.0"}},
			want: summary{Provider: "jenkins", Tag: "v3.0.0", Commit: "abc"},
		},
		"jenkins multibranch PR-24": {
			env: map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "2", "BRANCH_NAME": "PR-24", "CHANGE_ID": "24",
				"CHANGE_BRANCH": "feature", "CHANGE_TARGET": "master", "GIT_BRANCH": "PR-24", "GIT_COMMIT": "abc"},
			want:    summary{Provider: "jenkins", Branch: "feature", BaseBranch: "master", PullRequest: "24", Commit: "abc"},
			sources: map[string]string{FieldBranch: "CHANGE_BRANCH", FieldBaseBranch: "CHANGE_TARGET"},
		},
		"jenkins multibranch PR-24 without CHANGE_ID is still a pull request": {
			env:  map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "2", "BRANCH_NAME": "PR-24", "GIT_COMMIT": "abc"},
			want: summary{Provider: "jenkins", PullRequest: "24", Commit: "abc", Fork: true},
		},
		"jenkins BRANCH_NAME only in multibranch jobs": {
			env:  map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "2", "BRANCH_NAME": "develop", "GIT_BRANCH": "origin/develop", "GIT_COMMIT": "abc"},
			want: summary{Provider: "jenkins", Branch: "develop", Commit: "abc"},
		},
		"jenkins URL without a build is not jenkins": {
			env:  map[string]string{"JENKINS_URL": "https://ci/"},
			git:  &fakeGit{commit: gitCommit, branch: "main"},
			want: summary{Provider: "local", Branch: "main", Commit: gitCommit},
		},

		// 6. Detached HEAD.
		"detached HEAD falls back to git for commit only": {
			env:      map[string]string{"CODEBUILD_BUILD_ID": "p:1", "CODEBUILD_WEBHOOK_TRIGGER": "branch/main"},
			git:      &fakeGit{commit: gitCommit, branch: "", tags: []string{"v1.0.0"}},
			want:     summary{Provider: "codebuild", Branch: "main", Commit: gitCommit},
			sources:  map[string]string{FieldBranch: "CODEBUILD_WEBHOOK_TRIGGER", FieldCommit: SourceGit},
			gitCalls: []string{"Commit"},
		},
		"detached HEAD keeps the branch empty when no CI variable names it": {
			env:      map[string]string{"CI": "true"},
			git:      &fakeGit{commit: gitCommit},
			want:     summary{Provider: "generic", Commit: gitCommit},
			gitCalls: []string{"Commit", "Branch", "TagsAtHead"},
		},
		"detached HEAD at a tag gives the highest tag": {
			env:     map[string]string{"CI": "true"},
			git:     &fakeGit{commit: gitCommit, tags: []string{"v1.10.0", "v1.9.0"}},
			want:    summary{Provider: "generic", Tag: "v1.10.0", Commit: gitCommit},
			sources: map[string]string{FieldTag: SourceGit},
		},
		"git is not asked when the CI says everything": {
			env:      map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "1", "GITHUB_REF": "refs/heads/main", "GITHUB_SHA": "abc"},
			git:      &fakeGit{commit: gitCommit, branch: "other"},
			want:     summary{Provider: "github", Branch: "main", Commit: "abc"},
			gitCalls: []string{},
		},
		"git failures are unknown, not fatal": {
			env:  map[string]string{"CI": "true"},
			git:  brokenGit(),
			want: summary{Provider: "generic"},
		},
		"a pull request never takes its branch from git": {
			env:      map[string]string{"BUILDKITE": "true", "BUILDKITE_PULL_REQUEST": "5", "BUILDKITE_COMMIT": "abc"},
			git:      &fakeGit{commit: gitCommit, branch: "local-branch"},
			want:     summary{Provider: "buildkite", PullRequest: "5", Commit: "abc", Fork: true},
			gitCalls: []string{},
		},

		// 7. GitLab.
		"gitlab tag pipeline has empty CI_COMMIT_BRANCH": {
			env: map[string]string{"GITLAB_CI": "true", "CI_COMMIT_BRANCH": "", "CI_COMMIT_REF_NAME": "v1.2.3",
				"CI_COMMIT_TAG": "v1.2.3", "CI_COMMIT_SHA": "abc"},
			want:    summary{Provider: "gitlab", Tag: "v1.2.3", Commit: "abc"},
			sources: map[string]string{FieldTag: "CI_COMMIT_TAG"},
		},
		"gitlab old merge request pipeline with refs/merge-requests ref name": {
			env:  map[string]string{"GITLAB_CI": "true", "CI_COMMIT_REF_NAME": "refs/merge-requests/17/head", "CI_COMMIT_SHA": "abc"},
			want: summary{Provider: "gitlab", PullRequest: "17", Commit: "abc", Fork: true},
		},
		"gitlab branch from CI_COMMIT_REF_NAME when CI_COMMIT_BRANCH is missing": {
			env:     map[string]string{"GITLAB_CI": "true", "CI_COMMIT_REF_NAME": "develop", "CI_COMMIT_SHA": "abc"},
			want:    summary{Provider: "gitlab", Branch: "develop", Commit: "abc"},
			sources: map[string]string{FieldBranch: "CI_COMMIT_REF_NAME"},
		},
		"gitlab merge request ID when the IID is missing": {
			env: map[string]string{"GITLAB_CI": "true", "CI_MERGE_REQUEST_ID": "99001",
				"CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature", "CI_COMMIT_SHA": "abc"},
			want: summary{Provider: "gitlab", Branch: "feature", PullRequest: "99001", Commit: "abc", Fork: true},
		},
		"gitlab fork merge request run in the fork compares with CI_PROJECT_ID": {
			env: map[string]string{"GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": "4", "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "200",
				"CI_PROJECT_ID": "100", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "patch", "CI_COMMIT_SHA": "abc"},
			want:    summary{Provider: "gitlab", Branch: "patch", PullRequest: "4", Commit: "abc", Fork: true},
			sources: map[string]string{FieldFork: "CI_MERGE_REQUEST_SOURCE_PROJECT_ID+CI_PROJECT_ID"},
		},
		// A leftover GITHUB_ACTIONS (an image or shell exporting it) is no
		// GitHub run: the CI the job really runs in is read.
		"leftover GITHUB_ACTIONS inside GitLab: the fork's merge request is read": {
			env: map[string]string{"GITHUB_ACTIONS": "true", "GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": "4",
				"CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "200", "CI_PROJECT_ID": "100", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "patch",
				"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "master", "CI_COMMIT_SHA": "abc"},
			git:  &fakeGit{commit: gitCommit, branch: "patch"},
			want: summary{Provider: "gitlab", Branch: "patch", BaseBranch: "master", PullRequest: "4", Commit: "abc", Fork: true},
		},
		"leftover GITHUB_ACTIONS alone is no GitHub run": {
			env:  map[string]string{"GITHUB_ACTIONS": "true", "CI": "true"},
			git:  &fakeGit{commit: gitCommit, branch: "main"},
			want: summary{Provider: "generic", Branch: "main", Commit: gitCommit},
		},
		"gitlab external pull request from a GitHub fork": {
			env: map[string]string{"GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "external_pull_request_event",
				"CI_EXTERNAL_PULL_REQUEST_IID": "6", "CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME": "patch",
				"CI_EXTERNAL_PULL_REQUEST_TARGET_BRANCH_NAME": "main", "CI_EXTERNAL_PULL_REQUEST_SOURCE_REPOSITORY": "someone/webapp",
				"CI_EXTERNAL_PULL_REQUEST_TARGET_REPOSITORY": "acme/webapp", "CI_COMMIT_BRANCH": "patch", "CI_COMMIT_SHA": "abc"},
			want: summary{Provider: "gitlab", Branch: "patch", BaseBranch: "main", PullRequest: "6", Commit: "abc", Fork: true},
		},
		"gitlab pipeline URL built when CI_PIPELINE_URL is missing": {
			env: map[string]string{"GITLAB_CI": "true", "CI_COMMIT_BRANCH": "main", "CI_COMMIT_SHA": "abc",
				"CI_PROJECT_URL": "https://gitlab.example.com/g/p", "CI_PIPELINE_ID": "77"},
			want:    summary{Provider: "gitlab", Branch: "main", Commit: "abc"},
			sources: map[string]string{FieldBuildURL: "CI_PROJECT_URL+CI_PIPELINE_ID"},
		},

		// 8. CircleCI.
		"circleci CIRCLE_PR variables mark a fork": {
			env: map[string]string{"CIRCLECI": "true", "CIRCLE_BRANCH": "pull/9", "CIRCLE_PR_NUMBER": "9",
				"CIRCLE_PR_USERNAME": "someone", "CIRCLE_SHA1": "abc"},
			want: summary{Provider: "circleci", Branch: "pull/9", PullRequest: "9", Commit: "abc", Fork: true},
		},
		"circleci pull request URL without CIRCLE_PR variables is not a fork": {
			env: map[string]string{"CIRCLECI": "true", "CIRCLE_BRANCH": "feature",
				"CIRCLE_PULL_REQUEST": "https://github.com/acme/webapp/pull/10", "CIRCLE_SHA1": "abc"},
			want: summary{Provider: "circleci", Branch: "feature", PullRequest: "10", Commit: "abc"},
		},

		// 9. Buildkite and "false" strings.
		"buildkite fork owner:branch": {
			env: map[string]string{"BUILDKITE": "true", "BUILDKITE_BRANCH": "someone:fix/typo", "BUILDKITE_PULL_REQUEST": "11",
				"BUILDKITE_PULL_REQUEST_BASE_BRANCH": "main", "BUILDKITE_COMMIT": "abc"},
			want:    summary{Provider: "buildkite", Branch: "fix/typo", BaseBranch: "main", PullRequest: "11", Commit: "abc", Fork: true},
			sources: map[string]string{FieldFork: "BUILDKITE_BRANCH"},
		},
		"buildkite fork named by BUILDKITE_PULL_REQUEST_REPO": {
			env: map[string]string{"BUILDKITE": "true", "BUILDKITE_BRANCH": "fix", "BUILDKITE_PULL_REQUEST": "12",
				"BUILDKITE_PULL_REQUEST_REPO": "https://github.com/someone/webapp.git", "BUILDKITE_REPO": "git@github.com:acme/webapp.git",
				"BUILDKITE_COMMIT": "abc"},
			want: summary{Provider: "buildkite", Branch: "fix", PullRequest: "12", Commit: "abc", Fork: true},
		},
		"buildkite PR value false is not a pull request": {
			env: map[string]string{"BUILDKITE": "true", "BUILDKITE_BRANCH": "main", "BUILDKITE_PULL_REQUEST": "false",
				"BUILDKITE_PULL_REQUEST_BASE_BRANCH": "", "BUILDKITE_COMMIT": "abc"},
			want: summary{Provider: "buildkite", Branch: "main", Commit: "abc"},
		},
		"buildkite commit HEAD placeholder is left to git": {
			env:     map[string]string{"BUILDKITE": "true", "BUILDKITE_BRANCH": "main", "BUILDKITE_PULL_REQUEST": "false", "BUILDKITE_COMMIT": "HEAD"},
			want:    summary{Provider: "buildkite", Branch: "main", Commit: gitCommit},
			sources: map[string]string{FieldCommit: SourceGit},
		},
		"travis PR value false is not a pull request": {
			env: map[string]string{"TRAVIS": "true", "TRAVIS_BRANCH": "main", "TRAVIS_PULL_REQUEST": "false",
				"TRAVIS_PULL_REQUEST_BRANCH": "", "TRAVIS_COMMIT": "abc"},
			want: summary{Provider: "travis", Branch: "main", Commit: "abc"},
		},

		// 10. TeamCity.
		"teamcity branch is not an env var": {
			env:     map[string]string{"TEAMCITY_VERSION": "2024.03", "BUILD_NUMBER": "3", "BUILD_VCS_NUMBER": "abc"},
			git:     &fakeGit{commit: gitCommit, branch: "main"},
			want:    summary{Provider: "teamcity", Branch: "main", Commit: "abc"},
			sources: map[string]string{FieldBranch: SourceGit, FieldCommit: "BUILD_VCS_NUMBER"},
		},
		"teamcity branch from the properties file": {
			env:     map[string]string{"TEAMCITY_VERSION": "2024.03", "BUILD_VCS_NUMBER": "abc"},
			props:   "teamcity.build.branch=refs/heads/feature/x\n",
			git:     &fakeGit{commit: gitCommit, branch: "main"},
			want:    summary{Provider: "teamcity", Branch: "feature/x", Commit: "abc"},
			sources: map[string]string{FieldBranch: "TEAMCITY_BUILD_PROPERTIES_FILE:teamcity.build.branch"},
		},
		"teamcity tag from the properties file": {
			env:   map[string]string{"TEAMCITY_VERSION": "2024.03", "BUILD_VCS_NUMBER": "abc"},
			props: "teamcity.build.branch=refs/tags/v1.0.0\n",
			want:  summary{Provider: "teamcity", Tag: "v1.0.0", Commit: "abc"},
		},
		"teamcity default branch placeholder": {
			env:     map[string]string{"TEAMCITY_VERSION": "2024.03", "BUILD_VCS_NUMBER": "abc"},
			props:   "teamcity.build.branch=<default>\n",
			git:     &fakeGit{commit: gitCommit, branch: "master"},
			want:    summary{Provider: "teamcity", Branch: "master", Commit: "abc"},
			sources: map[string]string{FieldBranch: SourceGit},
		},

		// 11. Generic detection comes after the specific providers.
		"BUILD_NUMBER with JENKINS_URL is jenkins": {
			env:  map[string]string{"BUILD_NUMBER": "5", "JENKINS_URL": "https://ci/", "BUILD_ID": "5", "GIT_BRANCH": "origin/main"},
			want: summary{Provider: "jenkins", Branch: "main", Commit: gitCommit},
		},
		"BUILD_NUMBER with TEAMCITY_VERSION is teamcity": {
			env:  map[string]string{"BUILD_NUMBER": "5", "TEAMCITY_VERSION": "2024.03"},
			want: summary{Provider: "teamcity", Commit: gitCommit},
		},
		"BUILD_NUMBER alone is generic": {
			env:     map[string]string{"BUILD_NUMBER": "5"},
			want:    summary{Provider: "generic", Commit: gitCommit},
			sources: map[string]string{FieldProvider: "BUILD_NUMBER", FieldBuildNumber: "BUILD_NUMBER"},
		},
		"RUN_ID alone is generic": {
			env:     map[string]string{"RUN_ID": "5"},
			want:    summary{Provider: "generic", Commit: gitCommit},
			sources: map[string]string{FieldProvider: "RUN_ID"},
		},
		"CI=false is not a CI": {
			env:  map[string]string{"CI": "false"},
			want: summary{Provider: "local", Commit: gitCommit},
		},
		"nothing set is local": {
			env:  map[string]string{},
			git:  &fakeGit{commit: gitCommit, branch: "main"},
			want: summary{Provider: "local", Branch: "main", Commit: gitCommit},
		},

		// Empty values count as unset.
		"empty values count as unset": {
			env: map[string]string{"GITHUB_ACTIONS": "", "GITLAB_CI": "", "CIRCLECI": "true", "CIRCLE_BRANCH": "",
				"CIRCLE_TAG": "", "CIRCLE_PULL_REQUEST": "", "CIRCLE_PR_NUMBER": "", "CIRCLE_SHA1": "  "},
			git:  &fakeGit{commit: gitCommit, branch: "main"},
			want: summary{Provider: "circleci", Branch: "main", Commit: gitCommit},
		},
		"values are trimmed": {
			env:  map[string]string{"TRAVIS": "true", "TRAVIS_BRANCH": " main\n", "TRAVIS_PULL_REQUEST": " false ", "TRAVIS_COMMIT": "abc "},
			want: summary{Provider: "travis", Branch: "main", Commit: "abc"},
		},

		// Tags have no branch in the other CIs either.
		"buildkite tag build sets BUILDKITE_BRANCH to the tag": {
			env:  map[string]string{"BUILDKITE": "true", "BUILDKITE_BRANCH": "v1.0.0", "BUILDKITE_TAG": "v1.0.0", "BUILDKITE_PULL_REQUEST": "false", "BUILDKITE_COMMIT": "abc"},
			want: summary{Provider: "buildkite", Tag: "v1.0.0", Commit: "abc"},
		},
		"jenkins multibranch tag build sets BRANCH_NAME to the tag": {
			env:  map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "1", "BRANCH_NAME": "v1.0.0", "TAG_NAME": "v1.0.0", "GIT_COMMIT": "abc"},
			want: summary{Provider: "jenkins", Tag: "v1.0.0", Commit: "abc"},
		},
		"drone tag build ignores DRONE_BRANCH": {
			env: map[string]string{"DRONE": "true", "DRONE_BUILD_EVENT": "tag", "DRONE_TAG": "v1.0.0", "DRONE_BRANCH": "main",
				"DRONE_COMMIT_SHA": "abc"},
			want: summary{Provider: "drone", Tag: "v1.0.0", Commit: "abc"},
		},
		"codebuild S3 source version is not read as a ref": {
			env: map[string]string{"CODEBUILD_BUILD_ARN": "arn:aws:codebuild:us-east-1:1:build/p:1",
				"CODEBUILD_SOURCE_VERSION": "arn:aws:s3:::bucket/source.zip"},
			git:  &fakeGit{commit: gitCommit, branch: "main"},
			want: summary{Provider: "codebuild", Branch: "main", Commit: gitCommit},
		},
		"codebuild pr/N source version without a webhook": {
			env:  map[string]string{"CODEBUILD_BUILD_ID": "p:1", "CODEBUILD_SOURCE_VERSION": "pr/21", "CODEBUILD_RESOLVED_SOURCE_VERSION": "abc"},
			want: summary{Provider: "codebuild", PullRequest: "21", Commit: "abc", Fork: true},
		},
		// Jenkins with the GitLab plugin: merge requests.
		"jenkins gitlab plugin merge request is a pull request, not branch origin/feature-x": {
			env: map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "7", "GIT_BRANCH": "origin/feature-x", "GIT_COMMIT": "abc",
				"gitlabActionType": "MERGE", "gitlabMergeRequestIid": "42", "gitlabMergeRequestId": "9001",
				"gitlabSourceBranch": "feature-x", "gitlabTargetBranch": "master",
				"gitlabSourceRepoHomepage": "https://gitlab.com/acme/webapp", "gitlabTargetRepoHomepage": "https://gitlab.com/acme/webapp"},
			want: summary{Provider: "jenkins", Branch: "feature-x", BaseBranch: "master", PullRequest: "42", Commit: "abc"},
			sources: map[string]string{FieldPullRequest: "gitlabMergeRequestIid", FieldBranch: "gitlabSourceBranch",
				FieldBaseBranch: "gitlabTargetBranch"},
		},
		"jenkins gitlab plugin merge request from a fork": {
			env: map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "7", "GIT_BRANCH": "origin/feature-x", "GIT_COMMIT": "abc",
				"gitlabActionType": "MERGE", "gitlabMergeRequestIid": "43", "gitlabSourceBranch": "feature-x", "gitlabTargetBranch": "master",
				"gitlabSourceRepoHomepage": "https://gitlab.com/someone/webapp", "gitlabTargetRepoHomepage": "https://gitlab.com/acme/webapp"},
			want:    summary{Provider: "jenkins", Branch: "feature-x", BaseBranch: "master", PullRequest: "43", Commit: "abc", Fork: true},
			sources: map[string]string{FieldFork: "gitlabSourceRepoHomepage+gitlabTargetRepoHomepage"},
		},
		"jenkins gitlab plugin fork told by namespace when homepages are missing": {
			env: map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "7", "GIT_COMMIT": "abc",
				"gitlabActionType": "NOTE", "gitlabMergeRequestIid": "44", "gitlabSourceBranch": "fix", "gitlabTargetBranch": "master",
				"gitlabSourceNamespace": "someone", "gitlabSourceRepoName": "webapp", "gitlabTargetNamespace": "acme", "gitlabTargetRepoName": "webapp"},
			want: summary{Provider: "jenkins", Branch: "fix", BaseBranch: "master", PullRequest: "44", Commit: "abc", Fork: true},
		},
		"jenkins gitlab plugin merge request id when the IID is missing": {
			env: map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "7", "GIT_COMMIT": "abc",
				"gitlabActionType": "MERGE", "gitlabMergeRequestId": "9001", "gitlabSourceBranch": "fix", "gitlabTargetBranch": "master",
				"gitlabSourceRepoURL": "git@gitlab.com:acme/webapp.git", "gitlabTargetRepoURL": "https://gitlab.com/acme/webapp.git"},
			want:    summary{Provider: "jenkins", Branch: "fix", BaseBranch: "master", PullRequest: "9001", Commit: "abc"},
			sources: map[string]string{FieldFork: ""},
		},
		"jenkins gitlab plugin merge request without repositories is treated as a fork": {
			env: map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "7", "GIT_COMMIT": "abc",
				"gitlabActionType": "MERGE", "gitlabMergeRequestIid": "45", "gitlabSourceBranch": "fix", "gitlabTargetBranch": "master"},
			want:    summary{Provider: "jenkins", Branch: "fix", BaseBranch: "master", PullRequest: "45", Commit: "abc", Fork: true},
			sources: map[string]string{FieldFork: SourceForkAssumed},
		},
		"jenkins gitlab plugin push is a branch build": {
			env: map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "7", "GIT_BRANCH": "origin/master", "GIT_COMMIT": "abc",
				"gitlabActionType": "PUSH", "gitlabBranch": "master", "gitlabSourceBranch": "master"},
			want: summary{Provider: "jenkins", Branch: "master", Commit: "abc"},
		},
		"jenkins gitlab plugin tag push": {
			env: map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "7", "GIT_BRANCH": "origin/tags/v2.0.0", "GIT_COMMIT": "abc",
				"gitlabActionType": "TAG_PUSH", "gitlabBranch": "refs/tags/v2.0.0"},
			want:    summary{Provider: "jenkins", Tag: "v2.0.0", Commit: "abc"},
			sources: map[string]string{FieldTag: "gitlabBranch"},
		},
		"jenkins ghprb pull request from a fork": {
			env: map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "7", "GIT_COMMIT": "abc", "ghprbPullId": "31",
				"ghprbSourceBranch": "fix", "ghprbTargetBranch": "master", "ghprbGhRepository": "acme/webapp",
				"ghprbAuthorRepoGitUrl": "https://github.com/someone/webapp.git"},
			want:    summary{Provider: "jenkins", Branch: "fix", BaseBranch: "master", PullRequest: "31", Commit: "abc", Fork: true},
			sources: map[string]string{FieldFork: "ghprbAuthorRepoGitUrl+ghprbGhRepository"},
		},

		// The Bitbucket Push and Pull Request plugin (its README's variables):
		// a pull request build checks out the source branch, so GIT_BRANCH
		// alone read as a branch build would deploy a fork's branch.
		"jenkins bitbucket plugin pull request is a pull request, not branch origin/master": {
			env: map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "1", "GIT_BRANCH": "origin/master", "GIT_COMMIT": "abc",
				"BITBUCKET_PULL_REQUEST_ID": "12", "BITBUCKET_SOURCE_BRANCH": "master", "BITBUCKET_TARGET_BRANCH": "master",
				"BITBUCKET_PULL_REQUEST_LINK": "https://bitbucket.org/acme/shop/pull-requests/12"},
			want:    summary{Provider: "jenkins", Branch: "master", BaseBranch: "master", PullRequest: "12", Commit: "abc", Fork: true},
			sources: map[string]string{FieldPullRequest: "BITBUCKET_PULL_REQUEST_ID", FieldFork: SourceForkAssumed},
		},
		"jenkins bitbucket plugin push is a branch build": {
			env: map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "1", "GIT_BRANCH": "origin/develop", "GIT_COMMIT": "abc",
				"BITBUCKET_SOURCE_BRANCH": "develop", "BITBUCKET_REPOSITORY_URL": "https://bitbucket.org/acme/shop"},
			want: summary{Provider: "jenkins", Branch: "develop", Commit: "abc"},
		},

		// Jenkins tag builds through the Git plugin.
		"jenkins GIT_BRANCH origin/tags/X is tag X when git finds it at HEAD": {
			env:     map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "1", "GIT_BRANCH": "origin/tags/v1.2.0", "GIT_COMMIT": "abc"},
			git:     &fakeGit{commit: gitCommit, tags: []string{"v1.2.0", "v1.1.0"}},
			want:    summary{Provider: "jenkins", Tag: "v1.2.0", Commit: "abc"},
			sources: map[string]string{FieldTag: "GIT_BRANCH+git"},
		},
		"jenkins GIT_BRANCH origin/tags/X without git is tag X": {
			env:     map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "1", "GIT_BRANCH": "origin/tags/v1.2.0", "GIT_COMMIT": "abc"},
			git:     brokenGit(),
			want:    summary{Provider: "jenkins", Tag: "v1.2.0", Commit: "abc"},
			sources: map[string]string{FieldTag: "GIT_BRANCH"},
		},
		"jenkins GIT_BRANCH origin/tags/X is branch tags/X when no such tag is at HEAD": {
			env:     map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "1", "GIT_BRANCH": "origin/tags/v1.2.0", "GIT_COMMIT": "abc"},
			git:     &fakeGit{commit: gitCommit, tags: []string{"v1.1.0"}},
			want:    summary{Provider: "jenkins", Branch: "tags/v1.2.0", Commit: "abc"},
			sources: map[string]string{FieldBranch: "GIT_BRANCH"},
		},
		"jenkins GIT_BRANCH refs/remotes/origin/tags/X": {
			env:  map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "1", "GIT_BRANCH": "refs/remotes/origin/tags/v1.2.0", "GIT_COMMIT": "abc"},
			git:  &fakeGit{commit: gitCommit, tags: []string{"v1.2.0"}},
			want: summary{Provider: "jenkins", Tag: "v1.2.0", Commit: "abc"},
		},
		// The Git plugin names the remote as configured (upstream, not only
		// origin): <remote>/tags/X is a tag build too, confirmed by git.
		"jenkins GIT_BRANCH upstream/tags/X is tag X when git finds it at HEAD": {
			env:     map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "1", "GIT_BRANCH": "upstream/tags/v1.2.0", "GIT_COMMIT": "abc"},
			git:     &fakeGit{commit: gitCommit, tags: []string{"v1.2.0"}},
			want:    summary{Provider: "jenkins", Tag: "v1.2.0", Commit: "abc"},
			sources: map[string]string{FieldTag: "GIT_BRANCH+git"},
		},
		"jenkins GIT_BRANCH upstream/tags/X is that branch when no such tag is at HEAD": {
			env:  map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "1", "GIT_BRANCH": "upstream/tags/v1.2.0", "GIT_COMMIT": "abc"},
			git:  &fakeGit{commit: gitCommit, tags: []string{"v1.1.0"}},
			want: summary{Provider: "jenkins", Branch: "upstream/tags/v1.2.0", Commit: "abc"},
		},
		"jenkins GIT_BRANCH refs/tags/X is tag X": {
			env:     map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "1", "GIT_BRANCH": "refs/tags/v1.2.0", "GIT_COMMIT": "abc"},
			want:    summary{Provider: "jenkins", Tag: "v1.2.0", Commit: "abc"},
			sources: map[string]string{FieldTag: "GIT_BRANCH"},
		},
		// "Check out to matching local branch" (**) names the local branch
		// after the remote ref without its remote: origin/tags/X gives tags/X.
		"jenkins GIT_LOCAL_BRANCH tags/X of a tag build is tag X, not a branch": {
			env: map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "1", "GIT_BRANCH": "origin/tags/v1.2.0",
				"GIT_LOCAL_BRANCH": "tags/v1.2.0", "GIT_COMMIT": "abc"},
			git:     &fakeGit{commit: gitCommit, tags: []string{"v1.2.0"}},
			want:    summary{Provider: "jenkins", Tag: "v1.2.0", Commit: "abc"},
			sources: map[string]string{FieldTag: "GIT_BRANCH+git"},
		},
		"jenkins GIT_LOCAL_BRANCH tags/X without git is tag X": {
			env: map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "1", "GIT_BRANCH": "origin/tags/v1.2.0",
				"GIT_LOCAL_BRANCH": "tags/v1.2.0", "GIT_COMMIT": "abc"},
			git:  brokenGit(),
			want: summary{Provider: "jenkins", Tag: "v1.2.0", Commit: "abc"},
		},
		"jenkins GIT_LOCAL_BRANCH X of GIT_BRANCH refs/tags/X is tag X": {
			env: map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "1", "GIT_BRANCH": "refs/tags/v1.2.0",
				"GIT_LOCAL_BRANCH": "v1.2.0", "GIT_COMMIT": "abc"},
			want: summary{Provider: "jenkins", Tag: "v1.2.0", Commit: "abc"},
		},
		"jenkins GIT_LOCAL_BRANCH other than the tag still wins": {
			env: map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "1", "GIT_BRANCH": "origin/tags/v1.2.0",
				"GIT_LOCAL_BRANCH": "release", "GIT_COMMIT": "abc"},
			git:  &fakeGit{commit: gitCommit, tags: []string{"v1.2.0"}},
			want: summary{Provider: "jenkins", Branch: "release", Commit: "abc"},
		},
		"jenkins branch named tags-something is a branch": {
			env:  map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "1", "GIT_BRANCH": "origin/tagsfix", "GIT_COMMIT": "abc"},
			want: summary{Provider: "jenkins", Branch: "tagsfix", Commit: "abc"},
		},

		// TeamCity pull requests.
		"teamcity pull request from the Pull Requests feature": {
			env: map[string]string{"TEAMCITY_VERSION": "2024.03", "BUILD_VCS_NUMBER": "abc"},
			props: "teamcity.build.branch=pull/42\nteamcity.pullRequest.number=42\n" +
				"teamcity.pullRequest.source.branch=feature/x\nteamcity.pullRequest.target.branch=refs/heads/main\n",
			git:  &fakeGit{commit: gitCommit, branch: "main"},
			want: summary{Provider: "teamcity", Branch: "feature/x", BaseBranch: "main", PullRequest: "42", Commit: "abc", Fork: true},
			sources: map[string]string{FieldPullRequest: "TEAMCITY_BUILD_PROPERTIES_FILE:teamcity.pullRequest.number",
				FieldFork: SourceForkAssumed},
		},
		"teamcity branch pull/N alone is a pull request": {
			env:     map[string]string{"TEAMCITY_VERSION": "2024.03", "BUILD_VCS_NUMBER": "abc"},
			props:   "teamcity.build.branch=pull/42\n",
			want:    summary{Provider: "teamcity", PullRequest: "42", Commit: "abc", Fork: true},
			sources: map[string]string{FieldPullRequest: "TEAMCITY_BUILD_PROPERTIES_FILE:teamcity.build.branch"},
		},
		"teamcity gitlab merge request branch": {
			env:   map[string]string{"TEAMCITY_VERSION": "2024.03", "BUILD_VCS_NUMBER": "abc"},
			props: "teamcity.build.branch=merge-requests/7\n",
			want:  summary{Provider: "teamcity", PullRequest: "7", Commit: "abc", Fork: true},
		},

		// CircleCI without CIRCLE_PULL_REQUEST (GitHub App, GitLab).
		"circleci pull/N branch is a pull request treated as a fork": {
			env:     map[string]string{"CIRCLECI": "true", "CIRCLE_BRANCH": "pull/9", "CIRCLE_SHA1": "abc"},
			want:    summary{Provider: "circleci", Branch: "pull/9", PullRequest: "9", Commit: "abc", Fork: true},
			sources: map[string]string{FieldPullRequest: "CIRCLE_BRANCH", FieldFork: SourceForkAssumed},
		},
		"circleci pull request URL without CIRCLE_PR variables is known not to be a fork": {
			env: map[string]string{"CIRCLECI": "true", "CIRCLE_BRANCH": "feature",
				"CIRCLE_PULL_REQUEST": "https://github.com/acme/webapp/pull/10", "CIRCLE_SHA1": "abc"},
			want:    summary{Provider: "circleci", Branch: "feature", PullRequest: "10", Commit: "abc"},
			sources: map[string]string{FieldFork: ""},
		},

		// A fork signal that says "not a fork" is an answer too.
		"azure ISFORK False is not a fork": {
			env: map[string]string{"TF_BUILD": "True", "BUILD_REASON": "PullRequest", "SYSTEM_PULLREQUEST_PULLREQUESTNUMBER": "4",
				"SYSTEM_PULLREQUEST_SOURCEBRANCH": "feature", "SYSTEM_PULLREQUEST_TARGETBRANCH": "main",
				"SYSTEM_PULLREQUEST_ISFORK": "False", "BUILD_SOURCEVERSION": "abc"},
			want: summary{Provider: "azure", Branch: "feature", BaseBranch: "main", PullRequest: "4", Commit: "abc"},
		},
		// A fork flag that says neither true nor false (an unresolved
		// $(System.PullRequest.IsFork) macro) answers nothing: treated as a fork.
		"azure ISFORK neither True nor False is treated as a fork": {
			env: map[string]string{"TF_BUILD": "True", "BUILD_REASON": "PullRequest", "SYSTEM_PULLREQUEST_PULLREQUESTNUMBER": "4",
				"SYSTEM_PULLREQUEST_SOURCEBRANCH": "feature", "SYSTEM_PULLREQUEST_TARGETBRANCH": "main",
				"SYSTEM_PULLREQUEST_ISFORK": "$(System.PullRequest.IsFork)", "BUILD_SOURCEVERSION": "abc"},
			want:    summary{Provider: "azure", Branch: "feature", BaseBranch: "main", PullRequest: "4", Commit: "abc", Fork: true},
			sources: map[string]string{FieldFork: SourceForkAssumed},
		},
		"codefresh CF_PULL_REQUEST_IS_FORK neither true nor false is treated as a fork": {
			env: map[string]string{"CF_BUILD_ID": "1", "CF_BRANCH": "feature", "CF_PULL_REQUEST_NUMBER": "9",
				"CF_PULL_REQUEST_TARGET": "main", "CF_PULL_REQUEST_IS_FORK": "null", "CF_REVISION": "abc"},
			want:    summary{Provider: "codefresh", Branch: "feature", BaseBranch: "main", PullRequest: "9", Commit: "abc", Fork: true},
			sources: map[string]string{FieldFork: SourceForkAssumed},
		},
		"codefresh CF_PULL_REQUEST_IS_FORK false is not a fork": {
			env: map[string]string{"CF_BUILD_ID": "1", "CF_BRANCH": "feature", "CF_PULL_REQUEST_NUMBER": "9",
				"CF_PULL_REQUEST_TARGET": "main", "CF_PULL_REQUEST_IS_FORK": "false", "CF_REVISION": "abc"},
			want: summary{Provider: "codefresh", Branch: "feature", BaseBranch: "main", PullRequest: "9", Commit: "abc"},
		},
		"buildkite pull request repo equal to the repo is not a fork": {
			env: map[string]string{"BUILDKITE": "true", "BUILDKITE_BRANCH": "fix", "BUILDKITE_PULL_REQUEST": "12",
				"BUILDKITE_PULL_REQUEST_REPO": "https://github.com/acme/webapp.git", "BUILDKITE_REPO": "git@github.com:acme/webapp.git",
				"BUILDKITE_COMMIT": "abc"},
			want: summary{Provider: "buildkite", Branch: "fix", PullRequest: "12", Commit: "abc"},
		},

		// A CI whose event says tag but names none: the tag at HEAD wins.
		"drone tag event without DRONE_TAG takes the tag at HEAD over git's branch": {
			env:     map[string]string{"DRONE": "true", "DRONE_BUILD_EVENT": "tag", "DRONE_COMMIT_SHA": "abc"},
			git:     &fakeGit{commit: gitCommit, branch: "master", tags: []string{"v1.0.0"}},
			want:    summary{Provider: "drone", Tag: "v1.0.0", Commit: "abc"},
			sources: map[string]string{FieldTag: SourceGit},
		},
		"drone tag event with no tag at HEAD names no branch": {
			env:      map[string]string{"DRONE": "true", "DRONE_BUILD_EVENT": "tag", "DRONE_COMMIT_SHA": "abc"},
			git:      &fakeGit{commit: gitCommit, branch: "master"},
			want:     summary{Provider: "drone", Commit: "abc"},
			gitCalls: []string{"TagsAtHead"},
		},
		"woodpecker tag event without CI_COMMIT_TAG takes the tag at HEAD": {
			env:  map[string]string{"CI": "woodpecker", "CI_PIPELINE_EVENT": "tag", "CI_COMMIT_SHA": "abc"},
			git:  &fakeGit{commit: gitCommit, branch: "master", tags: []string{"v1.0.0"}},
			want: summary{Provider: "woodpecker", Tag: "v1.0.0", Commit: "abc"},
		},
		"semaphore tag ref type without a tag name takes the tag at HEAD": {
			env:  map[string]string{"SEMAPHORE": "true", "SEMAPHORE_GIT_REF_TYPE": "tag", "SEMAPHORE_GIT_SHA": "abc"},
			git:  &fakeGit{commit: gitCommit, branch: "master", tags: []string{"v1.0.0"}},
			want: summary{Provider: "semaphore", Tag: "v1.0.0", Commit: "abc"},
		},
		"appveyor APPVEYOR_REPO_TAG true without a name takes the tag at HEAD": {
			env:  map[string]string{"APPVEYOR": "True", "APPVEYOR_REPO_TAG": "true", "APPVEYOR_REPO_BRANCH": "v1.0.0", "APPVEYOR_REPO_COMMIT": "abc"},
			git:  &fakeGit{commit: gitCommit, branch: "master", tags: []string{"v1.0.0"}},
			want: summary{Provider: "appveyor", Tag: "v1.0.0", Commit: "abc"},
		},
		"github tag ref type names its tag": {
			env:  map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "1", "GITHUB_REF_TYPE": "tag", "GITHUB_REF_NAME": "v1.0.0", "GITHUB_SHA": "abc"},
			want: summary{Provider: "github", Tag: "v1.0.0", Commit: "abc"},
		},

		// The six CIs added from their vendors' docs.
		"bitrise BITRISE_PULL_REQUEST false is not a pull request": {
			env:  map[string]string{"BITRISE_IO": "true", "BITRISE_GIT_BRANCH": "main", "BITRISE_PULL_REQUEST": "false", "BITRISE_GIT_COMMIT": "abc"},
			want: summary{Provider: "bitrise", Branch: "main", Commit: "abc"},
		},
		"bitrise pull request without the repository URLs is treated as a fork": {
			env: map[string]string{"BITRISE_IO": "true", "BITRISE_GIT_BRANCH": "feature", "BITRISEIO_GIT_BRANCH_DEST": "main",
				"BITRISE_PULL_REQUEST": "5", "BITRISE_GIT_COMMIT": "abc"},
			want: summary{Provider: "bitrise", Branch: "feature", BaseBranch: "main", PullRequest: "5", Commit: "abc", Fork: true},
		},
		"appveyor pull request reports the target branch as APPVEYOR_REPO_BRANCH": {
			env: map[string]string{"APPVEYOR": "True", "APPVEYOR_REPO_BRANCH": "master", "APPVEYOR_PULL_REQUEST_NUMBER": "6",
				"APPVEYOR_PULL_REQUEST_HEAD_REPO_BRANCH": "feature", "APPVEYOR_PULL_REQUEST_HEAD_REPO_NAME": "acme/webapp",
				"APPVEYOR_REPO_NAME": "acme/webapp", "APPVEYOR_REPO_COMMIT": "abc"},
			want:    summary{Provider: "appveyor", Branch: "feature", BaseBranch: "master", PullRequest: "6", Commit: "abc"},
			sources: map[string]string{FieldBaseBranch: "APPVEYOR_REPO_BRANCH"},
		},
		"appveyor tag build does not report APPVEYOR_REPO_BRANCH": {
			env: map[string]string{"APPVEYOR": "True", "APPVEYOR_REPO_BRANCH": "v2.0.0", "APPVEYOR_REPO_TAG": "true",
				"APPVEYOR_REPO_TAG_NAME": "v2.0.0", "APPVEYOR_REPO_COMMIT": "abc"},
			want: summary{Provider: "appveyor", Tag: "v2.0.0", Commit: "abc"},
		},
		"semaphore pull request reports the target branch as SEMAPHORE_GIT_BRANCH": {
			env: map[string]string{"SEMAPHORE": "true", "SEMAPHORE_GIT_REF_TYPE": "pull-request", "SEMAPHORE_GIT_BRANCH": "master",
				"SEMAPHORE_GIT_PR_BRANCH": "feature", "SEMAPHORE_GIT_PR_NUMBER": "7", "SEMAPHORE_GIT_PR_SLUG": "someone/webapp",
				"SEMAPHORE_GIT_REPO_SLUG": "acme/webapp", "SEMAPHORE_GIT_SHA": "merge"},
			want:    summary{Provider: "semaphore", Branch: "feature", BaseBranch: "master", PullRequest: "7", Commit: "merge", Fork: true},
			sources: map[string]string{FieldFork: "SEMAPHORE_GIT_PR_SLUG+SEMAPHORE_GIT_REPO_SLUG"},
		},
		"semaphore pull request number from SEMAPHORE_GIT_REF": {
			env: map[string]string{"SEMAPHORE": "true", "SEMAPHORE_GIT_REF_TYPE": "pull-request", "SEMAPHORE_GIT_REF": "refs/pull/8/merge",
				"SEMAPHORE_GIT_BRANCH": "master", "SEMAPHORE_GIT_SHA": "merge"},
			want: summary{Provider: "semaphore", BaseBranch: "master", PullRequest: "8", Commit: "merge", Fork: true},
		},
		"codefresh CF_BRANCH with CF_BASE_BRANCH is a branch when git finds no such tag": {
			env:     map[string]string{"CF_BUILD_ID": "1", "CF_BRANCH": "release", "CF_BASE_BRANCH": "main", "CF_REVISION": "abc"},
			git:     &fakeGit{commit: gitCommit, tags: []string{"v1.0.0"}},
			want:    summary{Provider: "codefresh", Branch: "release", Commit: "abc"},
			sources: map[string]string{FieldBranch: "CF_BRANCH+CF_BASE_BRANCH"},
		},
		"codefresh pull request without CF_PULL_REQUEST_IS_FORK is treated as a fork": {
			env: map[string]string{"CF_BUILD_ID": "1", "CF_BRANCH": "feature", "CF_PULL_REQUEST_NUMBER": "9",
				"CF_PULL_REQUEST_TARGET": "main", "CF_REVISION": "abc"},
			want: summary{Provider: "codefresh", Branch: "feature", BaseBranch: "main", PullRequest: "9", Commit: "abc", Fork: true},
		},
		// A pull request is recognised first, always: from any variable that
		// only a pull request build has.
		"codefresh pull request action without a number is still a pull request": {
			env: map[string]string{"CF_BUILD_ID": "1", "CF_BRANCH": "master", "CF_PULL_REQUEST_ACTION": "opened",
				"CF_PULL_REQUEST_TARGET": "main", "CF_REVISION": "abc"},
			want: summary{Provider: "codefresh", Branch: "master", BaseBranch: "main", PullRequest: PullRequestUnknown, Commit: "abc", Fork: true},
		},
		"cirrus branch pull/N without CIRRUS_PR is pull request N": {
			env:  map[string]string{"CIRRUS_CI": "true", "CIRRUS_BRANCH": "pull/10", "CIRRUS_CHANGE_IN_REPO": "abc"},
			want: summary{Provider: "cirrus", PullRequest: "10", Commit: "abc", Fork: true},
		},
		"cirrus pull request does not report CIRRUS_BRANCH pull/N": {
			env: map[string]string{"CIRRUS_CI": "true", "CIRRUS_BRANCH": "pull/10", "CIRRUS_PR": "10", "CIRRUS_HEAD_BRANCH": "feature",
				"CIRRUS_BASE_BRANCH": "master", "CIRRUS_CHANGE_IN_REPO": "abc"},
			want: summary{Provider: "cirrus", Branch: "feature", BaseBranch: "master", PullRequest: "10", Commit: "abc", Fork: true},
		},
		"bamboo branch without a pull request": {
			env:  map[string]string{"bamboo_buildKey": "P-J", "bamboo_planRepository_branchName": "develop", "bamboo_planRepository_revision": "abc"},
			want: summary{Provider: "bamboo", Branch: "develop", Commit: "abc"},
		},
		"bamboo names no tag: git's tag at a detached HEAD": {
			env:  map[string]string{"bamboo_buildKey": "P-J", "bamboo_planRepository_revision": "abc"},
			git:  &fakeGit{commit: gitCommit, tags: []string{"v3.0.0"}},
			want: summary{Provider: "bamboo", Tag: "v3.0.0", Commit: "abc"},
		},
		// Every Bamboo build carries its plan's branch: a build of a tag reads
		// as that branch (docs/ci.md says to give the tag as CONVOX_CI_TAG).
		"bamboo build of a tag reads as the plan's branch, git's tag does not replace it": {
			env:  map[string]string{"bamboo_buildKey": "P-J", "bamboo_planRepository_branchName": "master", "bamboo_planRepository_revision": "abc"},
			git:  &fakeGit{commit: gitCommit, tags: []string{"v3.0.0"}},
			want: summary{Provider: "bamboo", Branch: "master", Commit: "abc"},
		},
		"the new CIs come before the generic one": {
			env:  map[string]string{"CI": "true", "BUILD_NUMBER": "5", "APPVEYOR": "True", "APPVEYOR_REPO_BRANCH": "main", "APPVEYOR_REPO_COMMIT": "abc"},
			want: summary{Provider: "appveyor", Branch: "main", Commit: "abc"},
		},

		"bitbucket tag build has empty branch": {
			env:  map[string]string{"BITBUCKET_BUILD_NUMBER": "5", "BITBUCKET_TAG": "v1.0.0", "BITBUCKET_COMMIT": "abc"},
			want: summary{Provider: "bitbucket", Tag: "v1.0.0", Commit: "abc"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{}
			for k, v := range tc.env {
				env[k] = v
			}
			if tc.event != "" {
				env["GITHUB_EVENT_PATH"] = writeTemp(t, "event.json", tc.event)
			}
			if tc.props != "" {
				env["TEAMCITY_BUILD_PROPERTIES_FILE"] = writeTemp(t, "build.properties", tc.props)
			}
			git := detachedGit()
			if tc.git != nil {
				g := *tc.git
				git = &g
			}
			got, err := Detect(t.Context(), envconfig.MapLookuper(env), git)
			require.NoError(t, err)
			requireInvariants(t, got)
			require.Equal(t, tc.want, summarise(got))
			for k, v := range tc.sources {
				require.Equal(t, v, got.Sources[k], "source of %s", k)
			}
			if tc.gitCalls != nil {
				require.Equal(t, tc.gitCalls, append([]string{}, git.calls...))
			}
		})
	}
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}
