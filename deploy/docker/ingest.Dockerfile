# Ingest: MQTT telemetry into the store. No LibTorch: its project graph (Protocol, Durability, Hosting, Storage) has no
# TorchSharp. Build from the repository root: docker build -f deploy/docker/ingest.Dockerfile -t pipeline/ingest:VERSION .
FROM mcr.microsoft.com/dotnet/sdk:10.0.401 AS build
WORKDIR /source
COPY Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/Protocol/ src/Protocol/
COPY src/Settings/ src/Settings/
COPY src/Durability/ src/Durability/
COPY src/Hosting/ src/Hosting/
COPY src/Storage.Abstractions/ src/Storage.Abstractions/
COPY src/Storage/ src/Storage/
COPY src/Tasks/ src/Tasks/
COPY src/Ingest/ src/Ingest/
RUN dotnet publish src/Ingest/Ingest.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0.12
WORKDIR /app
COPY --from=build /app ./
# The image's own unprivileged user (app, 1654), by number so that Kubernetes can check runAsNonRoot.
RUN mkdir -p /var/lib/pipeline && chown 1654:1654 /var/lib/pipeline
USER 1654
ENV PIPELINE_Http__Address=0.0.0.0 \
    PIPELINE_Http__Port=8081 \
    PIPELINE_Logging__Format=json \
    PIPELINE_Ingest__DataFolder=/var/lib/pipeline
VOLUME /var/lib/pipeline
EXPOSE 8081
ENTRYPOINT ["dotnet", "Ingest.dll"]
