package controller

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the controller's Prometheus metrics. They are created per
// controller, so two controllers in one process need two registries.
type metrics struct {
	duration *prometheus.HistogramVec
	ops      *prometheus.CounterVec
	drift    prometheus.Counter
	errors   *prometheus.CounterVec
	rules    prometheus.Gauge
	// events and repair are the event-driven repair's (events.go).
	events *prometheus.CounterVec
	repair prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "nftsync", Name: "reconcile_duration_seconds",
			Help:    "Time taken by Set, Reconcile and CleanUp.",
			Buckets: []float64{.0001, .0005, .001, .005, .01, .05, .1, .5, 1, 5, 10},
		}, []string{"op"}),
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "nftsync", Name: "backend_operations_total",
			Help: "Kernel or process operations by kind (getgen, dump, batch, exec).",
		}, []string{"kind"}),
		drift: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "nftsync", Name: "drift_repairs_total",
			Help: "Differences between the kernel and the desired state that were repaired.",
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "nftsync", Name: "errors_total",
			Help: "Failed Set, Reconcile and CleanUp calls.",
		}, []string{"op"}),
		rules: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "nftsync", Name: "desired_rules",
			Help: "Rules and chains in the desired state.",
		}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "nftsync", Name: "ruleset_events_total",
			Help: "Committed ruleset transactions reported by the kernel, by kind: foreign (someone else changed an owned table), own, unrelated (other tables), lost (notifications dropped).",
		}, []string{"kind"}),
		repair: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "nftsync", Name: "repair_latency_seconds",
			Help:    "Time from the notification of someone else's change to an owned table (or of lost notifications) to the end of the reconcile that repaired it.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.duration, m.ops, m.drift, m.errors, m.rules, m.events, m.repair} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Observe counts an engine operation.
func (m *metrics) Observe(kind string, n int) {
	if kind == "drift" {
		m.drift.Add(float64(n))
		return
	}
	m.ops.WithLabelValues(kind).Add(float64(n))
}
