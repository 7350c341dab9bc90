{{/* Names, labels and the per-role facts every template shares. */}}

{{- define "jml.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "jml.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "jml.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "jml.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: jml-pipeline
{{- end -}}

{{/* Selector labels of one role; call with (dict "ctx" $ "role" "gateway"). */}}
{{- define "jml.selectorLabels" -}}
app.kubernetes.io/name: {{ include "jml.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "jml.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "jml.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name: name an existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
The roles, in the order they are rendered: role name (the command the image runs) → key under
.Values.roles. The pipeline roles read the common configuration; the codec server reads only its own.
*/}}
{{- define "jml.roles" -}}
gateway: gateway
dispatcher: dispatcher
worker: worker
pollers: pollers
codec-server: codecServer
{{- end -}}

{{/* Roles with the ops server (/metrics, /healthz, /readyz on JML_OPS_PORT). */}}
{{- define "jml.opsRoles" -}}
[dispatcher, worker, pollers]
{{- end -}}

{{/* Roles that talk to Temporal and so seal payloads with the codec keys. */}}
{{- define "jml.codecRoles" -}}
[dispatcher, worker, pollers, codec-server]
{{- end -}}

{{/* Where an existing Secret is mounted: /run/jml/secrets/<name>. */}}
{{- define "jml.secretDir" -}}
/run/jml/secrets/{{ . }}
{{- end -}}

{{/* JML_CODEC_KEYS: references to the mounted codec Secret's files, never the keys. */}}
{{- define "jml.codecKeys" -}}
{{- $dir := include "jml.secretDir" "codec" -}}
{{- $keys := list -}}
{{- range .Values.codec.keys -}}
{{- $keys = append $keys (dict "id" .id "key" (dict "file" (printf "%s/%s" $dir .key))) -}}
{{- end -}}
{{- toJson $keys -}}
{{- end -}}

{{/* JML_CANONICAL_SECRETS: one entry per key of the canonical Secret, by file reference. */}}
{{- define "jml.canonicalKeys" -}}
{{- $dir := include "jml.secretDir" "canonical" -}}
{{- $keys := list -}}
{{- range .Values.canonical.keys -}}
{{- $keys = append $keys (dict "secret" (dict "file" (printf "%s/%s" $dir .))) -}}
{{- end -}}
{{- toJson $keys -}}
{{- end -}}

{{/* JML_CODEC_SERVER_TOKEN: one reference, or a list of them during a rotation. */}}
{{- define "jml.codecServerToken" -}}
{{- $dir := include "jml.secretDir" "codec-server-token" -}}
{{- $refs := list -}}
{{- range .Values.roles.codecServer.tokenKeys -}}
{{- $refs = append $refs (dict "file" (printf "%s/%s" $dir .)) -}}
{{- end -}}
{{- if eq (len $refs) 1 -}}{{- toJson (first $refs) -}}{{- else -}}{{- toJson $refs -}}{{- end -}}
{{- end -}}

{{/* Seconds Kubernetes grants a pod after SIGTERM: above the roles' own drain deadline. */}}
{{- define "jml.terminationGrace" -}}
{{- $deadline := divf .Values.shutdownDeadlineMs 1000 | ceil | int -}}
{{- if .Values.terminationGracePeriodSeconds -}}
{{- $grace := int .Values.terminationGracePeriodSeconds -}}
{{- if le $grace $deadline -}}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be above shutdownDeadlineMs (%d s): Kubernetes would kill a role while it drains" $grace $deadline) -}}
{{- end -}}
{{- $grace -}}
{{- else -}}
{{- add $deadline 15 -}}
{{- end -}}
{{- end -}}

{{/* Fails the render, naming the value, when something an enabled role requires is missing. */}}
{{- define "jml.validate" -}}
{{- $r := .Values.roles -}}
{{- if and (or $r.gateway.enabled $r.dispatcher.enabled $r.worker.enabled) (not .Values.connections.kafkaBrokers) -}}
{{- fail "connections.kafkaBrokers is empty: the gateway, dispatcher and worker need the Kafka bootstrap servers (host:port,host:port)" -}}
{{- end -}}
{{- if and (or $r.dispatcher.enabled $r.worker.enabled $r.pollers.enabled) (not .Values.connections.temporalAddress) -}}
{{- fail "connections.temporalAddress is empty: the dispatcher, worker and pollers need the Temporal frontend (host:port)" -}}
{{- end -}}
{{- if and (or $r.gateway.enabled $r.worker.enabled) (not .Values.connections.redisUrl) -}}
{{- fail "connections.redisUrl is empty: the gateway and worker need Redis (redis://host:port or rediss://)" -}}
{{- end -}}
{{- if and $r.gateway.enabled (not .Values.canonical.secretName) -}}
{{- fail "canonical.secretName is empty: the gateway needs an existing Secret with the canonical API's key(s)" -}}
{{- end -}}
{{- if and .Values.codec.enabled (or $r.dispatcher.enabled $r.worker.enabled $r.pollers.enabled) (not .Values.codec.secretName) -}}
{{- fail "codec.secretName is empty: the dispatcher, worker and pollers seal personal data in Temporal with its keys (or set codec.enabled=false to store it in clear, deliberately)" -}}
{{- end -}}
{{- if and $r.codecServer.enabled (or (not .Values.codec.enabled) (not .Values.codec.secretName)) -}}
{{- fail "the codec server needs codec.enabled=true and codec.secretName (it opens payloads with those keys); disable roles.codecServer otherwise" -}}
{{- end -}}
{{- if and $r.codecServer.enabled (not $r.codecServer.tokenSecretName) -}}
{{- fail "roles.codecServer.tokenSecretName is empty: the codec server needs an existing Secret with its bearer token(s)" -}}
{{- end -}}
{{- if and $r.worker.enabled (not .Values.policy.existingConfigMap) (not .Values.policy.content) -}}
{{- fail "policy.existingConfigMap or policy.content: the worker needs a policy file (JML_CONFIG_FILE)" -}}
{{- end -}}
{{- if ge (int .Values.gatewayDrainDelayMs) (int .Values.shutdownDeadlineMs) -}}
{{- fail "gatewayDrainDelayMs must be below shutdownDeadlineMs: no time would be left to drain" -}}
{{- end -}}
{{- end -}}
