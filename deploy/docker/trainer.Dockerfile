# Trainer: LibTorch for CPU by default. For GPU nodes, build with the project's build switch (docs/TRAINING.md, "GPU
# nodes"), which swaps in TorchSharp's CUDA LibTorch; the node's NVIDIA driver is mounted by the container runtime:
#   docker build -f deploy/docker/trainer.Dockerfile -t pipeline/trainer:VERSION .
#   docker build -f deploy/docker/trainer.Dockerfile --build-arg TORCH_BACKEND=cuda -t pipeline/trainer:VERSION-cuda .
FROM mcr.microsoft.com/dotnet/sdk:10.0.401 AS build
ARG TORCH_BACKEND=cpu
WORKDIR /source
COPY Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/Protocol/ src/Protocol/
COPY src/Settings/ src/Settings/
COPY src/Durability/ src/Durability/
COPY src/Imaging/ src/Imaging/
COPY src/Hosting/ src/Hosting/
COPY src/Storage.Abstractions/ src/Storage.Abstractions/
COPY src/Storage/ src/Storage/
COPY src/Tasks/ src/Tasks/
COPY src/Models/ src/Models/
COPY src/Trainer/ src/Trainer/
RUN dotnet publish src/Trainer/Trainer.csproj -c Release -p:TorchBackend=${TORCH_BACKEND} -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0.12
# The font the training charts are drawn with; without one the trainer still trains and only logs a warning.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
RUN mkdir -p /var/lib/pipeline && chown 1654:1654 /var/lib/pipeline
USER 1654
# On a GPU node the NVIDIA container runtime mounts the driver's CUDA libraries only when asked for compute.
ENV NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    PIPELINE_Http__Address=0.0.0.0 \
    PIPELINE_Http__Port=8082 \
    PIPELINE_Logging__Format=json \
    PIPELINE_Trainer__DataFolder=/var/lib/pipeline
VOLUME /var/lib/pipeline
EXPOSE 8082
ENTRYPOINT ["dotnet", "Trainer.dll"]
