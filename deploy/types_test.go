package deploy

// The parts of the Kubernetes (and Prometheus Operator, kustomize) API
// types the manifests use, with their JSON names. Decoding with unknown
// fields disallowed makes a misspelt or misplaced field an error. A field
// that is valid Kubernetes but not listed here is an error too: add it
// here when a manifest starts using it (k8s.io/api itself is too heavy a
// dependency for this check).

type objectMeta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type typeMeta struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   objectMeta `json:"metadata"`
}

type labelSelector struct {
	MatchLabels map[string]string `json:"matchLabels"`
}

type daemonSet struct {
	typeMeta
	Spec struct {
		Selector       labelSelector `json:"selector"`
		UpdateStrategy *struct {
			Type          string `json:"type"`
			RollingUpdate *struct {
				MaxUnavailable any `json:"maxUnavailable,omitempty"`
				MaxSurge       any `json:"maxSurge,omitempty"`
			} `json:"rollingUpdate,omitempty"`
		} `json:"updateStrategy,omitempty"`
		Template struct {
			Metadata objectMeta `json:"metadata"`
			Spec     podSpec    `json:"spec"`
		} `json:"template"`
	} `json:"spec"`
}

type podSpec struct {
	HostNetwork                   bool   `json:"hostNetwork,omitempty"`
	DNSPolicy                     string `json:"dnsPolicy,omitempty"`
	PriorityClassName             string `json:"priorityClassName,omitempty"`
	TerminationGracePeriodSeconds *int64 `json:"terminationGracePeriodSeconds,omitempty"`
	Tolerations                   []struct {
		Key      string `json:"key,omitempty"`
		Operator string `json:"operator,omitempty"`
		Value    string `json:"value,omitempty"`
		Effect   string `json:"effect,omitempty"`
	} `json:"tolerations,omitempty"`
	SecurityContext *struct {
		SeccompProfile *seccompProfile `json:"seccompProfile,omitempty"`
	} `json:"securityContext,omitempty"`
	Containers []container `json:"containers"`
	Volumes    []struct {
		Name      string `json:"name"`
		ConfigMap *struct {
			Name string `json:"name"`
		} `json:"configMap,omitempty"`
		HostPath *struct {
			Path string `json:"path"`
			Type string `json:"type,omitempty"`
		} `json:"hostPath,omitempty"`
	} `json:"volumes,omitempty"`
}

type seccompProfile struct {
	Type             string `json:"type"`
	LocalhostProfile string `json:"localhostProfile,omitempty"`
}

type container struct {
	Name            string   `json:"name"`
	Image           string   `json:"image,omitempty"`
	ImagePullPolicy string   `json:"imagePullPolicy,omitempty"`
	Command         []string `json:"command,omitempty"`
	Args            []string `json:"args,omitempty"`
	Env             []struct {
		Name      string `json:"name"`
		Value     string `json:"value,omitempty"`
		ValueFrom *struct {
			FieldRef *struct {
				FieldPath string `json:"fieldPath"`
			} `json:"fieldRef,omitempty"`
		} `json:"valueFrom,omitempty"`
	} `json:"env,omitempty"`
	Ports []struct {
		Name          string `json:"name,omitempty"`
		ContainerPort int32  `json:"containerPort"`
		Protocol      string `json:"protocol,omitempty"`
	} `json:"ports,omitempty"`
	LivenessProbe   *probe `json:"livenessProbe,omitempty"`
	ReadinessProbe  *probe `json:"readinessProbe,omitempty"`
	SecurityContext *struct {
		RunAsUser                *int64          `json:"runAsUser,omitempty"`
		AllowPrivilegeEscalation *bool           `json:"allowPrivilegeEscalation,omitempty"`
		ReadOnlyRootFilesystem   *bool           `json:"readOnlyRootFilesystem,omitempty"`
		SeccompProfile           *seccompProfile `json:"seccompProfile,omitempty"`
		Capabilities             *struct {
			Add  []string `json:"add,omitempty"`
			Drop []string `json:"drop,omitempty"`
		} `json:"capabilities,omitempty"`
	} `json:"securityContext,omitempty"`
	Resources *struct {
		Requests map[string]string `json:"requests,omitempty"`
		Limits   map[string]string `json:"limits,omitempty"`
	} `json:"resources,omitempty"`
	VolumeMounts []struct {
		Name      string `json:"name"`
		MountPath string `json:"mountPath"`
		ReadOnly  bool   `json:"readOnly,omitempty"`
	} `json:"volumeMounts,omitempty"`
}

type probe struct {
	HTTPGet *struct {
		Host string `json:"host,omitempty"`
		Path string `json:"path"`
		Port any    `json:"port"` // a number or a port name
	} `json:"httpGet,omitempty"`
	InitialDelaySeconds int32 `json:"initialDelaySeconds,omitempty"`
	PeriodSeconds       int32 `json:"periodSeconds,omitempty"`
	FailureThreshold    int32 `json:"failureThreshold,omitempty"`
}

type configMap struct {
	typeMeta
	Data map[string]string `json:"data"`
}

type service struct {
	typeMeta
	Spec struct {
		ClusterIP string            `json:"clusterIP,omitempty"`
		Selector  map[string]string `json:"selector"`
		Ports     []struct {
			Name       string `json:"name,omitempty"`
			Port       int32  `json:"port"`
			TargetPort any    `json:"targetPort,omitempty"`
			Protocol   string `json:"protocol,omitempty"`
		} `json:"ports"`
	} `json:"spec"`
}

type serviceMonitor struct {
	typeMeta
	Spec struct {
		Selector          labelSelector `json:"selector"`
		NamespaceSelector *struct {
			MatchNames []string `json:"matchNames"`
		} `json:"namespaceSelector,omitempty"`
		Endpoints []struct {
			Port     string `json:"port"`
			Path     string `json:"path,omitempty"`
			Interval string `json:"interval,omitempty"`
		} `json:"endpoints"`
	} `json:"spec"`
}

type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
	Patches    []struct {
		Path string `json:"path"`
	} `json:"patches,omitempty"`
}
