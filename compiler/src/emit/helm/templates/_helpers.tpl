{{/* @header@ */}}

{{/*
Expand the name of the chart.
*/}}
{{- define "@chart@.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name.
We truncate at 63 chars because some Kubernetes name fields are limited to this (by the DNS naming spec).
If release name contains chart name it will be used as a full name.
*/}}
{{- define "@chart@.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "@chart@.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The stack's services in declaration order, as their keys in values.yaml. A
service named like a chart-wide key (configs, secrets, global) is under
`<name>Service`; "@chart@.serviceName" strips the suffix again.
*/}}
{{- define "@chart@.services" -}}
@services@
{{- end }}

{{/*
The name of a service from its values key.
*/}}
{{- define "@chart@.serviceName" -}}
{{- trimSuffix "Service" . }}
{{- end }}

{{/*
The name of a service's objects: <fullname>-<service>.
Takes (dict "root" $ "name" <service>).
*/}}
{{- define "@chart@.serviceFullname" -}}
{{- printf "%s-%s" (include "@chart@.fullname" .root) .name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The ConfigMap of a config: <fullname>-<config as a DNS label>.
Takes (dict "root" $ "config" <config>).
*/}}
{{- define "@chart@.configName" -}}
{{- $config := .config | lower | replace "_" "-" | trimAll "-" }}
{{- printf "%s-%s" (include "@chart@.fullname" .root) $config | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The PersistentVolumeClaim of a volume: its existingClaim, else <fullname>-<service>-<volume>.
Takes (dict "root" $ "name" <service> "volume" <volume values>).
*/}}
{{- define "@chart@.claimName" -}}
{{- if .volume.persistence.existingClaim }}
{{- .volume.persistence.existingClaim }}
{{- else }}
{{- printf "%s-%s" (include "@chart@.serviceFullname" .) .volume.name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
The headless Service of a StatefulSet (its serviceName): <fullname>-<service>-headless.
Takes (dict "root" $ "name" <service>).
*/}}
{{- define "@chart@.headlessName" -}}
{{- printf "%s-headless" (include "@chart@.serviceFullname" . | trunc 54 | trimSuffix "-") }}
{{- end }}

{{/*
Whether a service runs as a StatefulSet ("true" or "").
Takes the service values.
*/}}
{{- define "@chart@.stateful" -}}
{{- if eq (.workload | default "Deployment") "StatefulSet" }}true{{ end }}
{{- end }}

{{/*
The volumeClaimTemplates of a StatefulSet: one per persistent volume
without an existingClaim. Takes (dict "root" $ "name" <service> "values" <service values>).
*/}}
{{- define "@chart@.claimTemplates" -}}
{{- $ctx := . }}
{{- $claims := list }}
{{- range .values.volumes }}
{{- if and .persistence (not .persistence.existingClaim) }}
{{- $p := .persistence }}
{{- $spec := dict "accessModes" (list ($p.accessMode | default "ReadWriteOnce")) "resources" (dict "requests" (dict "storage" $p.size)) }}
{{- if eq $p.storageClass "-" }}
{{- $_ := set $spec "storageClassName" "" }}
{{- else if $p.storageClass }}
{{- $_ := set $spec "storageClassName" $p.storageClass }}
{{- end }}
{{- $md := dict "name" .name "labels" (include "@chart@.serviceLabels" $ctx | fromYaml) }}
{{- $claims = append $claims (dict "metadata" $md "spec" $spec) }}
{{- end }}
{{- end }}
{{- toYaml $claims }}
{{- end }}

{{/*
Common labels: on every object. The stack's labels (commonLabels) may override them.
*/}}
{{- define "@chart@.labels" -}}
{{- $labels := dict "helm.sh/chart" (include "@chart@.chart" .) "app.kubernetes.io/instance" .Release.Name "app.kubernetes.io/part-of" (include "@chart@.name" .) "app.kubernetes.io/version" .Chart.AppVersion "app.kubernetes.io/managed-by" .Release.Service }}
{{- range $key, $value := .Values.commonLabels }}
{{- $_ := set $labels $key $value }}
{{- end }}
{{- toYaml $labels }}
{{- end }}

{{/*
The labels of a service's objects: the common labels, its name, and its own labels.
Takes (dict "root" $ "name" <service> "values" <service values>).
*/}}
{{- define "@chart@.serviceLabels" -}}
{{- $labels := include "@chart@.labels" .root | fromYaml }}
{{- $_ := set $labels "app.kubernetes.io/name" .name }}
{{- range $key, $value := .root.Values.commonLabels }}
{{- $_ := set $labels $key $value }}
{{- end }}
{{- range $key, $value := .values.labels }}
{{- $_ := set $labels $key $value }}
{{- end }}
{{- toYaml $labels }}
{{- end }}

{{/*
Selector labels of a service's pods.
Takes (dict "root" $ "name" <service>).
*/}}
{{- define "@chart@.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{/*
The configs a service reads (env `config` items, its init containers' too,
configMap volumes and envFrom), once each.
Takes the service values; returns a JSON list.
*/}}
{{- define "@chart@.configsRead" -}}
{{- $configs := list }}
{{- range .env }}
{{- if .config }}
{{- $configs = append $configs .config }}
{{- end }}
{{- end }}
{{- range .initContainers }}
{{- range .env }}
{{- if .config }}
{{- $configs = append $configs .config }}
{{- end }}
{{- end }}
{{- end }}
{{- range .volumes }}
{{- if .configMap }}
{{- $configs = append $configs .configMap }}
{{- end }}
{{- end }}
{{- concat $configs (.envFrom | default list) | uniq | toJson }}
{{- end }}

{{/*
Pod annotations: the stack's, the service's, and checksum/config: a hash of
the configs the service reads, so that changing one of them rolls its pods.
Takes (dict "root" $ "name" <service> "values" <service values>).
*/}}
{{- define "@chart@.podAnnotations" -}}
{{- $annotations := dict }}
{{- range $key, $value := .root.Values.podAnnotations }}
{{- $_ := set $annotations $key $value }}
{{- end }}
{{- range $key, $value := .values.podAnnotations }}
{{- $_ := set $annotations $key $value }}
{{- end }}
{{- $configs := include "@chart@.configsRead" .values | fromJsonArray }}
{{- if $configs }}
{{- $data := dict }}
{{- range $configs }}
{{- $_ := set $data . (index $.root.Values.configs .) }}
{{- end }}
{{- $_ := set $annotations "checksum/config" (toJson $data | sha256sum) }}
{{- end }}
{{- with $annotations }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/*
The image reference: repository, and :tag unless the tag is empty.
*/}}
{{- define "@chart@.image" -}}
{{- .repository }}{{ with .tag }}:{{ . }}{{ end }}
{{- end }}

{{/*
The container's environment. Items: value, secret (a key of .Values.secrets),
config + key (a key of .Values.configs), or parts: text and {host: <service>},
where a host becomes that service's Service name in this release.
Takes (dict "root" $ "name" <service> "values" <service values>).
*/}}
{{- define "@chart@.env" -}}
{{- $root := .root }}
{{- $env := list }}
{{- range .values.env }}
{{- if hasKey . "value" }}
{{- $env = append $env (dict "name" .name "value" (toString .value)) }}
{{- else if .secret }}
{{- $secret := index $root.Values.secrets .secret }}
{{- $key := ternary "tls.crt" "value" (eq $secret.type "kubernetes.io/tls") }}
{{- $ref := dict "name" $secret.name "key" $key }}
{{- if $secret.optional }}
{{- $_ := set $ref "optional" true }}
{{- end }}
{{- $env = append $env (dict "name" .name "valueFrom" (dict "secretKeyRef" $ref)) }}
{{- else if .config }}
{{- $configMap := include "@chart@.configName" (dict "root" $root "config" .config) }}
{{- $env = append $env (dict "name" .name "valueFrom" (dict "configMapKeyRef" (dict "name" $configMap "key" .key))) }}
{{- else if .parts }}
{{- $value := "" }}
{{- range .parts }}
{{- if kindIs "map" . }}
{{- $value = print $value (include "@chart@.serviceFullname" (dict "root" $root "name" .host)) }}
{{- else }}
{{- $value = print $value . }}
{{- end }}
{{- end }}
{{- $env = append $env (dict "name" .name "value" $value) }}
{{- end }}
{{- end }}
{{- toYaml $env }}
{{- end }}

{{/*
The pod's volumes, one per item of the service's volumes that has a source.
Takes (dict "root" $ "name" <service> "values" <service values>).
*/}}
{{- define "@chart@.volumes" -}}
{{- $ctx := . }}
{{- $volumes := list }}
{{- $stateful := include "@chart@.stateful" .values }}
{{- range .values.volumes }}
{{- if and .persistence $stateful (not .persistence.existingClaim) }}
{{- /* mounted from the claim template of the same name */ -}}
{{- else if .persistence }}
{{- $claim := include "@chart@.claimName" (dict "root" $ctx.root "name" $ctx.name "volume" .) }}
{{- $volumes = append $volumes (dict "name" .name "persistentVolumeClaim" (dict "claimName" $claim)) }}
{{- else if hasKey . "emptyDir" }}
{{- $volumes = append $volumes (dict "name" .name "emptyDir" .emptyDir) }}
{{- else if .secret }}
{{- $secret := index $ctx.root.Values.secrets .secret }}
{{- $items := list (dict "key" "value" "path" (.subPath | default .secret)) }}
{{- if eq $secret.type "kubernetes.io/tls" }}
{{- $items = list (dict "key" "tls.crt" "path" "tls.crt") (dict "key" "tls.key" "path" "tls.key") }}
{{- end }}
{{- $source := dict "secretName" $secret.name "items" $items }}
{{- if $secret.optional }}
{{- $_ := set $source "optional" true }}
{{- end }}
{{- $volumes = append $volumes (dict "name" .name "secret" $source) }}
{{- else if .configMap }}
{{- $configMap := include "@chart@.configName" (dict "root" $ctx.root "config" .configMap) }}
{{- $volumes = append $volumes (dict "name" .name "configMap" (dict "name" $configMap "items" (list (dict "key" .key "path" .key)))) }}
{{- end }}
{{- end }}
{{- toYaml $volumes }}
{{- end }}
