// Package deploy holds Go benchmarks of convox-ci's own costs against the
// simulated Rack on loopback, with the Rack's build and rollout times set to
// zero so that what remains is ours:
//
//	go test -run '^$' -bench 'DeployOverhead|PackageUpload' -benchtime 20x ./bench/deploy
//
// BenchmarkDeployOverhead runs the whole build+promote pipeline on a small
// app; BenchmarkPackageUpload packages a generated tree and uploads it
// (BENCH_FILES and BENCH_MB size it; default 2,000 files, 50 MB);
// BenchmarkPromoteLag (slow, seconds per op) shows how late a promote
// notices a rollout that takes seconds, for several polling caps. The
// end-to-end figures, with the real binary and peak RSS, come from
// bench/run.sh.
package deploy
