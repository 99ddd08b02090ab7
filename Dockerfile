# planline images, two targets of one file:
#   docker build -t planline:0.1.0-SNAPSHOT .                     CPU (the default: last stage)
#   docker build --target gpu -t planline-gpu:0.1.0-SNAPSHOT .    NVIDIA GPUs, with the CUDA kernels
# The tag is the pom's version, as k8s/components/version sets it for the manifests. No arguments
# starts the server; the Kubernetes manifests in k8s/ mount the configuration and set
# MICRONAUT_CONFIG_FILES.
#   docker run -p 8080:8080 planline:0.1.0-SNAPSHOT
#   docker run --gpus 1 -p 8080:8080 planline-gpu:0.1.0-SNAPSHOT --planline.backend=cuda
#
# Base images are pinned to full versions. CUDA 13.0 matches the cuBLAS (libcublas.so.13) the
# backend binds and needs an R580 driver or newer on the node.
ARG MAVEN_IMAGE=maven:3.9.11-eclipse-temurin-17
ARG JRE_IMAGE=eclipse-temurin:17.0.17_10-jre-noble
ARG CUDA_DEVEL_IMAGE=nvidia/cuda:13.0.0-devel-ubuntu24.04
ARG CUDA_RUNTIME_IMAGE=nvidia/cuda:13.0.0-runtime-ubuntu24.04

# Java and Maven for the CUDA build stage, whose base has CUDA's compiler but no Java.
FROM ${MAVEN_IMAGE} AS maven

FROM ${JRE_IMAGE} AS jre

# The CPU jar. No nvcc here: the pom's cuda-ptx step says so and the jar has no PTX.
FROM ${MAVEN_IMAGE} AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
RUN mvn -B -q package -DskipTests

# The GPU jar: with nvcc on the PATH (the CUDA devel image puts it there) the pom's cuda-ptx step
# compiles every src/main/cuda/*.cu to PTX under cuda/ in the jar, which backend cuda loads.
FROM ${CUDA_DEVEL_IMAGE} AS build-gpu
COPY --from=maven /opt/java/openjdk /opt/java/openjdk
COPY --from=maven /usr/share/maven /usr/share/maven
ENV JAVA_HOME=/opt/java/openjdk
ENV PATH=/opt/java/openjdk/bin:/usr/share/maven/bin:${PATH}
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
RUN nvcc --version && mvn -B -q package -DskipTests
# A jar without a kernel module would only fail when backend cuda starts; fail the build instead.
RUN for cu in src/main/cuda/*.cu; do \
      m=$(basename "$cu" .cu); \
      jar tf target/planline.jar | grep -qx "cuda/$m.ptx" \
        || { echo "cuda/$m.ptx is not in the jar: was nvcc on the PATH?" >&2; exit 1; }; \
    done

# planline on NVIDIA GPUs. The runtime image brings cuBLAS; the NVIDIA container runtime mounts
# the driver's libcuda.so.1 from the node.
FROM ${CUDA_RUNTIME_IMAGE} AS gpu
COPY --from=jre /opt/java/openjdk /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk
ENV PATH=/opt/java/openjdk/bin:${PATH}
# Inductor-compiled CPU kernels (the built-in models' and exported ones) need OpenMP and SLEEF;
# without them the server falls back to the Java kernels (planline.kernels: auto).
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 libsleef3 \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --no-create-home planline
ENV NVIDIA_DRIVER_CAPABILITIES=compute,utility
# cuBLAS (libcublas.so.13) is found on the loader path; a failure to load it is logged and the
# products run on planline's own GEMM kernels.
ENV LD_LIBRARY_PATH=/usr/local/cuda/lib64:${LD_LIBRARY_PATH}
WORKDIR /app
COPY --from=build-gpu /src/target/planline.jar /app/planline.jar
USER 10001
EXPOSE 8080 8081
# JavaCPP unpacks OpenBLAS's natives into a cache folder; the user has no home, so name one.
ENTRYPOINT ["java", "-Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp", "-jar", "/app/planline.jar"]

# planline on CPUs (the default target).
FROM ${JRE_IMAGE} AS cpu
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 libsleef3 \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --no-create-home planline
WORKDIR /app
COPY --from=build /src/target/planline.jar /app/planline.jar
USER 10001
EXPOSE 8080 8081
ENTRYPOINT ["java", "-Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp", "-jar", "/app/planline.jar"]
