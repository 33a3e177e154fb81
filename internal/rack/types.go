package rack

import "time"

// The JSON shapes of the Rack API, field for field as convox/convox pkg/structs
// renders them (docs/protocol.md, Answers). Both the client and the
// simulated Rack use these, and the wire tests hold both against the transcripts.

// System is GET /system.
type System struct {
	Count          int               `json:"count"`
	Domain         string            `json:"domain"`
	Name           string            `json:"name"`
	Outputs        map[string]string `json:"outputs,omitempty"`
	Parameters     map[string]string `json:"parameters,omitempty"`
	Provider       string            `json:"provider"`
	RackDomain     string            `json:"rack-domain"`
	RouterInternal string            `json:"router-internal"`
	Region         string            `json:"region"`
	Status         string            `json:"status"`
	Type           string            `json:"type"`
	Version        string            `json:"version"`
}

// App is GET /apps/{app}.
type App struct {
	Generation string            `json:"generation"`
	Locked     bool              `json:"locked"`
	Name       string            `json:"name"`
	Release    string            `json:"release"`
	Router     string            `json:"router"`
	Status     string            `json:"status"`
	Parameters map[string]string `json:"parameters"`
}

// Build is a build of an app.
type Build struct {
	ID          string    `json:"id"`
	App         string    `json:"app"`
	Description string    `json:"description"`
	Entrypoint  string    `json:"entrypoint"`
	GitSha      string    `json:"git-sha"`
	Logs        string    `json:"logs"`
	Manifest    string    `json:"manifest"`
	Process     string    `json:"process"`
	Release     string    `json:"release"`
	Reason      string    `json:"reason"`
	Repository  string    `json:"repository"`
	Status      string    `json:"status"`
	Started     time.Time `json:"started"`
	Ended       time.Time `json:"ended"`
}

// Release is a build plus an environment.
type Release struct {
	ID          string    `json:"id"`
	App         string    `json:"app"`
	Build       string    `json:"build"`
	Env         string    `json:"env"`
	Manifest    string    `json:"manifest"`
	Description string    `json:"description"`
	Created     time.Time `json:"created"`
}

// Process is a running or finished process (a pod on v3).
type Process struct {
	ID       string    `json:"id"`
	App      string    `json:"app"`
	Command  string    `json:"command"`
	CPU      float64   `json:"cpu"`
	Gpu      int       `json:"gpu"`
	Host     string    `json:"host"`
	Image    string    `json:"image"`
	Instance string    `json:"instance"`
	Memory   float64   `json:"memory"`
	Name     string    `json:"name"`
	Ports    []string  `json:"ports"`
	Release  string    `json:"release"`
	Started  time.Time `json:"started"`
	Status   string    `json:"status"`
}

// Object is the answer to an object upload. The field really is "Url":
// structs.Object has no json tag.
type Object struct {
	URL string `json:"Url"`
}

// ConsoleRack is one entry of Console's GET /racks. Console's casing is
// unverified (docs/protocol.md, Choosing the Rack); the real CLI decodes case-insensitively, and
// so does encoding/json.
type ConsoleRack struct {
	Name         string            `json:"name"`
	Organization ConsoleOrg        `json:"organization"`
	Provider     string            `json:"provider"`
	Status       string            `json:"status"`
	Parameters   map[string]string `json:"parameters,omitempty"`
	Version      string            `json:"version,omitempty"`
}

// ConsoleOrg is the organisation a Console rack belongs to.
type ConsoleOrg struct {
	Name string `json:"name"`
}

// FullName is the org/rack name the Rack header carries.
func (r ConsoleRack) FullName() string {
	if r.Organization.Name == "" {
		return r.Name
	}
	return r.Organization.Name + "/" + r.Name
}

// Status values (docs/protocol.md, Answers).
const (
	BuildCreated  = "created"
	BuildRunning  = "running"
	BuildComplete = "complete"
	BuildFailed   = "failed"

	AppRunning  = "running"
	AppUpdating = "updating"
	AppRollback = "rollback"

	ProcessPending = "pending"
	ProcessRunning = "running"
)

// ExitMarker prefixes the exit-code frame of an exec stream:
// "F1E49A85-0AD7-4AEF-A618-C249C6E6568D:<code>\n".
const ExitMarker = "F1E49A85-0AD7-4AEF-A618-C249C6E6568D:"
