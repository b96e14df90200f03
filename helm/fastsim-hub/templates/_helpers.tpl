{{/* Name prefix for the chart's own objects: the release name, cut to fit a DNS label. */}}
{{- define "fastsim-hub.fullname" -}}
{{- printf "%s-fastsim" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels on every object of this chart. */}}
{{- define "fastsim-hub.labels" -}}
app.kubernetes.io/name: fastsim-hub
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The z2jh values (config.yaml's `jupyterhub:` key) as a dict, empty when unset. */}}
{{- define "fastsim-hub.hubValues" -}}
{{- toYaml (.Values.jupyterhub | default dict) -}}
{{- end -}}

{{/* Tolerations every user pod carries: z2jh's scheduling.userPods.tolerations (chart defaults when unset). */}}
{{- define "fastsim-hub.userTolerations" -}}
{{- $hub := include "fastsim-hub.hubValues" . | fromYaml -}}
{{- $default := list (dict "key" "hub.jupyter.org/dedicated" "operator" "Equal" "value" "user" "effect" "NoSchedule") (dict "key" "hub.jupyter.org_dedicated" "operator" "Equal" "value" "user" "effect" "NoSchedule") -}}
{{- $userPods := ((($hub.scheduling | default dict).userPods) | default dict) -}}
{{- toYaml ($userPods.tolerations | default $default) -}}
{{- end -}}

{{/* config.yaml's jupyterhub.custom.fastsim (the settings the hub files read), empty when unset. */}}
{{- define "fastsim-hub.fastsim" -}}
{{- $hub := include "fastsim-hub.hubValues" . | fromYaml -}}
{{- toYaml ((($hub.custom | default dict).fastsim) | default dict) -}}
{{- end -}}

{{/* Image pull secrets of every image: z2jh's imagePullSecret (when created), imagePullSecrets and
singleuser.image.pullSecrets, as z2jh combines them for user pods (names or {name: ...} entries). */}}
{{- define "fastsim-hub.imagePullSecrets" -}}
{{- $hub := include "fastsim-hub.hubValues" . | fromYaml -}}
{{- $secrets := list -}}
{{- $pullSecret := $hub.imagePullSecret | default dict -}}
{{- /* z2jh's default for automaticReferenceInjection is true; `default true` would also turn a false into true */ -}}
{{- $inject := ternary $pullSecret.automaticReferenceInjection true (hasKey $pullSecret "automaticReferenceInjection") -}}
{{- if and $pullSecret.create $inject -}}
{{- /* z2jh names it "<fullnameOverride>-image-pull-secret", or "image-pull-secret" with its default "" */ -}}
{{- $prefix := $hub.fullnameOverride | default "" -}}
{{- $secrets = append $secrets (dict "name" (print $prefix (empty $prefix | ternary "" "-") "image-pull-secret")) -}}
{{- end -}}
{{- range (concat ($hub.imagePullSecrets | default list) (((($hub.singleuser | default dict).image) | default dict).pullSecrets | default list)) -}}
{{- $secrets = append $secrets (kindIs "string" . | ternary (dict "name" .) .) -}}
{{- end -}}
{{- toYaml $secrets -}}
{{- end -}}

{{/* Pod Security "restricted" for a container: no escalation, no capabilities, RuntimeDefault seccomp. */}}
{{- define "fastsim-hub.restrictedContainer" -}}
allowPrivilegeEscalation: false
runAsNonRoot: true
capabilities: {drop: [ALL]}
seccompProfile: {type: RuntimeDefault}
{{- end -}}
