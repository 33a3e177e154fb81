package steps

import (
	"fmt"

	"github.com/convox-ci/convox-ci/internal/pipeline"
)

// What an interruption during each step may have left going on the Rack
// (pipeline.Interrupter): said from what the step had made so far.

func (Build) Interrupted(st *pipeline.State) string {
	if st.BuildID != "" {
		return fmt.Sprintf("Build %s may still be running on the Rack (rack %s, app %s); nothing was promoted.", st.BuildID, st.RackName, st.App)
	}
	return fmt.Sprintf("A build may have been created on rack %s for app %s just before the interruption (its description carries a [convox-ci:...] marker); nothing was promoted.", st.RackName, st.App)
}

func (p Promote) Interrupted(st *pipeline.State) string {
	id := p.Release
	if id == "" {
		id = st.ReleaseID
	}
	return rollingOut(st, id)
}

func (r Rollback) Interrupted(st *pipeline.State) string {
	if st.ReleaseID == "" {
		return fmt.Sprintf("A rollback release may have been created on rack %s for app %s; it was not promoted.", st.RackName, st.App)
	}
	return rollingOut(st, st.ReleaseID)
}

func (e Env) Interrupted(st *pipeline.State) string {
	switch {
	case st.ReleaseID == "":
		return fmt.Sprintf("A release with the new environment may have been created on rack %s for app %s; it was not promoted.", st.RackName, st.App)
	case e.Promote:
		return rollingOut(st, st.ReleaseID)
	}
	return fmt.Sprintf("Release %s was created with the new environment (rack %s, app %s); it was not promoted.", st.ReleaseID, st.RackName, st.App)
}

func (Run) Interrupted(*pipeline.State) string {
	return "The one-off process was asked to stop; a command already started may have run partly."
}

func (RunDetached) Interrupted(*pipeline.State) string {
	return "The detached process may have started; it runs to its end on the Rack."
}

func (Import) Interrupted(*pipeline.State) string {
	return "A build import may still complete on the Rack; nothing was promoted."
}

func (ImportStream) Interrupted(*pipeline.State) string {
	return "A build import may still complete on the Rack; nothing was promoted."
}

func (Export) Interrupted(*pipeline.State) string {
	return "Nothing was left running on the Rack; the export is incomplete."
}

func (ExportFile) Interrupted(*pipeline.State) string {
	return "Nothing was left running on the Rack; the exported file is incomplete."
}

func rollingOut(st *pipeline.State, release string) string {
	if release == "" {
		return fmt.Sprintf("A release may still be rolling out on rack %s, app %s: the Rack finishes or rolls back by itself.", st.RackName, st.App)
	}
	return fmt.Sprintf("Release %s may still be rolling out on rack %s, app %s: the Rack finishes or rolls back by itself.", release, st.RackName, st.App)
}
