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
