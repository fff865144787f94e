{{/*
The Deployment of a control-plane component. Argument: (list $ "controller"|"scheduler" $args), where $args are the
component's own flags; the flags every component shares (namespace scope, leader election, metrics) are added here.
*/}}
{{- define "kruntimes.deployment" -}}
{{- $ctx := index . 0 }}
{{- $component := index . 1 }}
{{- $args := index . 2 }}
{{- $values := index $ctx.Values $component }}
{{- $fullname := include "kruntimes.fullname" $ctx }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $fullname }}-{{ $component }}
  namespace: {{ $ctx.Release.Namespace }}
  labels:
    {{- include "kruntimes.labels" (list $ctx $component) | nindent 4 }}
spec:
  replicas: {{ $values.replicas }}
  revisionHistoryLimit: 3
  selector:
    matchLabels:
      {{- include "kruntimes.selectorLabels" (list $ctx $component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "kruntimes.labels" (list $ctx $component) | nindent 8 }}
        {{- with $values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with $values.podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      serviceAccountName: {{ include "kruntimes.serviceAccountName" (list $ctx $component) }}
      automountServiceAccountToken: true
      {{- with $ctx.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      securityContext:
        {{- toYaml $ctx.Values.podSecurityContext | nindent 8 }}
      containers:
        - name: {{ $component }}
          image: {{ include "kruntimes.image" (list $ctx $values.image) | quote }}
          imagePullPolicy: {{ $values.image.pullPolicy }}
          args:
            {{- range $args }}
            - {{ . | quote }}
            {{- end }}
            {{- if eq $ctx.Values.scope "namespace" }}
            - --namespace={{ include "kruntimes.watchNamespace" $ctx }}
            {{- end }}
            - --leader-elect={{ $values.leaderElection }}
            - --lease-name={{ $fullname }}-{{ $component }}
            - --metrics-addr=0.0.0.0:{{ $values.metrics.port }}
            {{- range $values.extraArgs }}
            - {{ . | quote }}
            {{- end }}
          env:
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
            - name: RUST_LOG
              value: {{ $values.logLevel | quote }}
            {{- with $values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          ports:
            - name: metrics
              containerPort: {{ $values.metrics.port }}
              protocol: TCP
          livenessProbe:
            httpGet:
              path: /healthz
              port: metrics
            periodSeconds: 10
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: /readyz
              port: metrics
            periodSeconds: 5
          resources:
            {{- toYaml $values.resources | nindent 12 }}
          securityContext:
            {{- toYaml $ctx.Values.securityContext | nindent 12 }}
      {{- with $values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}
