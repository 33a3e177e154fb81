package racksim

import (
	"github.com/convox-ci/convox-ci/internal/rack"
)

// servicePort is structs.ServicePort.
type servicePort struct {
	Balancer    int    `json:"balancer"`
	Certificate string `json:"certificate"`
	Container   int    `json:"container"`
}

// serviceInfo is structs.Service as the k8s provider fills it (no NLB, GPU
// or autoscale settings in the simulator).
type serviceInfo struct {
	Count     int           `json:"count"`
	CPU       int           `json:"cpu"`
	Domain    string        `json:"domain"`
	Gpu       int           `json:"gpu"`
	GpuVendor string        `json:"gpu-vendor"`
	Memory    int           `json:"memory"`
	Name      string        `json:"name"`
	Nlb       []any         `json:"nlb"`
	Ports     []servicePort `json:"ports"`
	Min       *int          `json:"min,omitempty"`
	Max       *int          `json:"max,omitempty"`
}

// serviceList is GET /apps/{app}/services (`convox services`): the services
// of the active release's manifest (none before a first promote), each with
// its running pods, its router domain and its ports (443 to the main port
// unless internal), as provider/k8s ServiceList reports them.
func (s *Server) serviceList(c *call) error {
	out := []serviceInfo{}
	err := s.withApp(c, func(a *appState) error {
		if a.app.Release == "" {
			return nil
		}
		r, err := a.release(a.app.Release)
		if err != nil {
			return err
		}
		svcs, err := parseManifest([]byte(r.Manifest))
		if err != nil {
			return err
		}
		for _, svc := range svcs {
			info := serviceInfo{Name: svc.name, Domain: svc.name + "." + a.app.Name + "." + c.rack.domain(), Nlb: nil, Ports: []servicePort{}}
			if svc.internal {
				info.Domain = svc.name + "." + a.app.Name + "." + c.rack.name + ".local"
			}
			for _, p := range a.procs {
				if p.service && p.p.Name == svc.name && p.p.Status == rack.ProcessRunning {
					info.Count++
				}
			}
			if svc.port > 0 {
				port := servicePort{Container: svc.port}
				if !svc.internal {
					port.Balancer = 443
				}
				info.Ports = append(info.Ports, port)
			}
			one := 1
			info.Min, info.Max = &one, &one
			out = append(out, info)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return renderJSON(c.w, out)
}

// appBudget is GET /apps/{app}/budget, which `convox ps` and `convox
// services` read: {"config": ..., "state": ...}, both null for an app with no
// budget set (the simulator never sets one).
func (s *Server) appBudget(c *call) error {
	if err := c.lookupApp(); err != nil {
		return err
	}
	return renderJSON(c.w, map[string]any{"config": nil, "state": nil})
}
