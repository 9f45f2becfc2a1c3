namespace Pipeline.Deploy.Tests.Policies;

/// <summary>
/// A small set of manifests that keeps every rule: the store, ingest and a third-party broker, with their Services,
/// Secret, ConfigMap and network policies. Each policy test breaks it in one place.
/// </summary>
public static class SampleManifests
{
    public const string Valid = """
        apiVersion: v1
        kind: Secret
        metadata:
          name: credentials
        data:
          ingest.secret: c2VjcmV0
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: broker-config
        data:
          broker.conf: "listener 1883"
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: ingest
        spec:
          selector:
            app.kubernetes.io/name: ingest
          ports:
            - name: http
              port: 8081
              targetPort: http
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: ingest
        spec:
          serviceName: ingest
          selector:
            matchLabels:
              app.kubernetes.io/name: ingest
          template:
            metadata:
              labels:
                app.kubernetes.io/name: ingest
            spec:
              securityContext:
                runAsNonRoot: true
                runAsUser: 1654
              containers:
                - name: ingest
                  image: pipeline/ingest:0.1.0
                  env:
                    - name: PIPELINE_Broker__Password
                      valueFrom:
                        secretKeyRef:
                          name: credentials
                          key: ingest.secret
                  ports:
                    - name: http
                      containerPort: 8081
                  livenessProbe:
                    httpGet:
                      path: /alive
                      port: http
                  readinessProbe:
                    httpGet:
                      path: /health
                      port: http
                  resources:
                    requests:
                      cpu: 100m
                      memory: 128Mi
                    limits:
                      cpu: "1"
                      memory: 512Mi
                  securityContext:
                    allowPrivilegeEscalation: false
                    readOnlyRootFilesystem: true
                  volumeMounts:
                    - name: data
                      mountPath: /var/lib/pipeline
          volumeClaimTemplates:
            - metadata:
                name: data
              spec:
                accessModes: ["ReadWriteOnce"]
                resources:
                  requests:
                    storage: 1Gi
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: broker
        spec:
          selector:
            matchLabels:
              app.kubernetes.io/name: broker
          template:
            metadata:
              labels:
                app.kubernetes.io/name: broker
            spec:
              securityContext:
                runAsNonRoot: true
                runAsUser: 1883
              containers:
                - name: broker
                  image: eclipse-mosquitto:2.0.20
                  ports:
                    - name: mqtt
                      containerPort: 1883
                  livenessProbe:
                    tcpSocket:
                      port: mqtt
                  readinessProbe:
                    tcpSocket:
                      port: mqtt
                  resources:
                    requests:
                      cpu: 100m
                      memory: 128Mi
                    limits:
                      cpu: "1"
                      memory: 512Mi
                  securityContext:
                    allowPrivilegeEscalation: false
                    readOnlyRootFilesystem: true
                  volumeMounts:
                    - name: config
                      mountPath: /etc/broker
              volumes:
                - name: config
                  configMap:
                    name: broker-config
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: influxdb
        spec:
          serviceName: influxdb
          selector:
            matchLabels:
              app.kubernetes.io/name: influxdb
          template:
            metadata:
              labels:
                app.kubernetes.io/name: influxdb
            spec:
              securityContext:
                runAsNonRoot: true
                runAsUser: 1000
              containers:
                - name: influxdb
                  image: influxdb:1.8.10
                  ports:
                    - name: http
                      containerPort: 8086
                  livenessProbe:
                    httpGet:
                      path: /ping
                      port: http
                  readinessProbe:
                    httpGet:
                      path: /ping
                      port: http
                  resources:
                    requests:
                      cpu: 100m
                      memory: 128Mi
                    limits:
                      cpu: "1"
                      memory: 512Mi
                  securityContext:
                    allowPrivilegeEscalation: false
                    readOnlyRootFilesystem: true
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: default-deny-ingress
        spec:
          podSelector: {}
          policyTypes: ["Ingress"]
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: store-from-ingest
        spec:
          podSelector:
            matchLabels:
              app.kubernetes.io/name: influxdb
          policyTypes: ["Ingress"]
          ingress:
            - from:
                - podSelector:
                    matchLabels:
                      app.kubernetes.io/name: ingest
              ports:
                - port: 8086
        """;
}
