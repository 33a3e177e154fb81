// Package config loads and checks the rules file (convox-ci.yml) and
// matches a CI context to one of its targets.
//
// # The file
//
//	app: example-app          # the default app of every target (optional if each names one)
//	timeout: 30m              # the overall deadline (optional)
//	targets:
//	  staging:                # target names: letters, digits, ".", "_", "-"
//	    branches: [master, "release/*"]
//	    tags: ["v*"]
//	    pull_requests: false  # true lets pull requests into these branches match
//	    rack: org/staging
//	    app: example-app      # overrides the top-level app
//	    timeout: 20m          # overrides the top-level timeout
//	    steps:
//	      - build
//	      - run: {service: web, command: bin/migrate, timeout: 10m}
//	      - promote
//
// Steps are a kind's name (build, deploy, promote) or a mapping from the
// kind to its fields; every kind takes timeout:
//
//	build                                   build the working directory
//	deploy                                  build, then promote
//	promote                                 promote the release the last build, env or import made
//	run: {service, command, release}        command: a line split like a shell does, or a list of words
//	env: {values, replace, promote}         values: a mapping, kept in file order
//	import: {from, app}                     this commit's build on rack from; app defaults to the target's
//	export: {file}                          write the build to file
//
// The file is checked strictly: unknown keys (with a did-you-mean), wrong
// types, a promote with nothing before it to promote, an export with no
// build before it, a target with no branches and no tags, no rack or no
// app are all errors. Every error is an *Error carrying file:line:column
// and a fix. Anchors, aliases, merge keys, custom tags and files of more
// than one YAML document are refused.
//
// # Patterns
//
// Branch and tag patterns are globs matched against the whole name: "*"
// matches any run of characters except "/", "**" any run including "/",
// "?" one character except "/", "[abc]", "[a-z]" and "[!abc]" a class
// (never matching "/"), and "\" makes the next character literal. So
// "release/*" matches release/1.2 but not release/1.2/hotfix, which
// "release/**" matches. A pattern may not start with "!" (there is no
// negation). A single pattern may be written without the list brackets.
//
// # Environment values
//
// ${NAME} is replaced by the environment variable NAME in rack, app (top
// level, target and import), import from, run command (each word, after
// splitting) and release, and env values. "$$" is a literal "$"; a "$"
// followed by anything else stays as it is, so "$HOME" reaches the command
// untouched. Other fields are taken literally.
//
// A ${NAME} that is unset or empty is an error naming NAME and where it is
// used, never its value. At the top level it fails Parse. Inside a target
// it is kept on the target (Target.Err) and reported by Match when that
// target is chosen, before anything runs: a CI job commonly holds only the
// secrets of the target it deploys (a CircleCI context or a GitHub
// environment for production), and a branch build must not fail for lack
// of the production database's password.
//
// # Matching
//
// A tag build matches only targets' tags patterns; a branch build only
// their branches patterns. A pull request build matches only targets that
// set pull_requests: true, by their branches patterns against the branch
// the pull request targets (its base branch, not its own branch). A pull
// request from a fork never matches, whatever the file says. When several
// targets match, the first in file order wins, and Match says which others
// matched too; so list specific targets before catch-all ones.
package config
