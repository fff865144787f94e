{{/* Chart name, shortened to fit a label value. */}}
{{- define "kruntimes.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Release fullname: every namespaced object is named "<fullname>-<component>". The fullname is cut to 48 characters so
the longest suffix ("-controller-metrics") still fits the 63 characters of a Service name.
*/}}
{{- define "kruntimes.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 48 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 48 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 48 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Name of a cluster-scoped object (ClusterRole, ClusterRoleBinding): it also carries the release namespace, so two
releases of the same name in different namespaces do not collide. Argument: (list $ "component").
*/}}
{{- define "kruntimes.clusterName" -}}
{{- $ctx := index . 0 }}
{{- printf "%s-%s-%s" $ctx.Release.Namespace (include "kruntimes.fullname" $ctx) (index . 1) }}
{{- end }}

{{- define "kruntimes.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. Argument: (list $ "component"). */}}
{{- define "kruntimes.labels" -}}
{{- $ctx := index . 0 -}}
helm.sh/chart: {{ include "kruntimes.chart" $ctx }}
{{ include "kruntimes.selectorLabels" . }}
app.kubernetes.io/version: {{ $ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $ctx.Release.Service }}
app.kubernetes.io/part-of: kruntimes
{{- end }}

{{/* Selector labels: stable across upgrades. Argument: (list $ "component"). */}}
{{- define "kruntimes.selectorLabels" -}}
{{- $ctx := index . 0 -}}
app.kubernetes.io/name: {{ include "kruntimes.name" $ctx }}
app.kubernetes.io/instance: {{ $ctx.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{/*
An image reference: "repository:tag", "repository@digest" or "repository:tag@digest". The tag defaults to the chart's
appVersion; an explicit tag or digest is kept as given. Argument: (list $ .Values.x.image).
*/}}
{{- define "kruntimes.image" -}}
{{- $ctx := index . 0 }}
{{- $image := index . 1 }}
{{- $tag := $image.tag | default $ctx.Chart.AppVersion | toString }}
{{- if and $image.digest (not $image.tag) }}
{{- printf "%s@%s" $image.repository $image.digest }}
{{- else if $image.digest }}
{{- printf "%s:%s@%s" $image.repository $tag $image.digest }}
{{- else }}
{{- printf "%s:%s" $image.repository $tag }}
{{- end }}
{{- end }}

{{/* Namespace whose Runtimes, Runs and Workflows are reconciled in `namespace` scope. */}}
{{- define "kruntimes.watchNamespace" -}}
{{- .Values.watchNamespace | default .Release.Namespace }}
{{- end }}

{{/* ServiceAccount of a component. Argument: (list $ "component"). */}}
{{- define "kruntimes.serviceAccountName" -}}
{{- $ctx := index . 0 }}
{{- $values := index $ctx.Values (index . 1) }}
{{- if $values.serviceAccount.create }}
{{- printf "%s-%s" (include "kruntimes.fullname" $ctx) (index . 1) }}
{{- else }}
{{- $values.serviceAccount.name | default "default" }}
{{- end }}
{{- end }}
