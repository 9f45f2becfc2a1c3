# Edge agent, for a device (or a gateway next to it) that runs containers; LibTorch for CPU, as devices infer on CPU.
# Its HTTP endpoints are off unless PIPELINE_Http__Port is set. Credentials, the broker's authority and the trusted model
# keys are mounted at run time (docs/DEPLOY.md, "Edge devices"), never built in:
#   docker build -f deploy/docker/edge-agent.Dockerfile -t pipeline/edge-agent:VERSION .
FROM mcr.microsoft.com/dotnet/sdk:10.0.401 AS build
WORKDIR /source
COPY Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/Protocol/ src/Protocol/
COPY src/Settings/ src/Settings/
COPY src/Durability/ src/Durability/
COPY src/Imaging/ src/Imaging/
COPY src/Hosting/ src/Hosting/
COPY src/Storage.Abstractions/ src/Storage.Abstractions/
COPY src/Tasks/ src/Tasks/
COPY src/Models/ src/Models/
COPY src/Simulation/ src/Simulation/
COPY src/EdgeAgent/ src/EdgeAgent/
RUN dotnet publish src/EdgeAgent/EdgeAgent.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0.12
WORKDIR /app
COPY --from=build /app ./
RUN mkdir -p /var/lib/pipeline && chown 1654:1654 /var/lib/pipeline
USER 1654
ENV PIPELINE_Logging__Format=json \
    PIPELINE_Agent__DataFolder=/var/lib/pipeline
VOLUME /var/lib/pipeline
ENTRYPOINT ["dotnet", "EdgeAgent.dll"]
