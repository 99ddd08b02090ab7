# planline image: builds the shaded jar, then runs it on a JRE. No arguments starts the server;
# the Kubernetes manifests in k8s/ mount the configuration and set MICRONAUT_CONFIG_FILES.
#   docker build -t planline:0.1.0 .
#   docker run -p 8080:8080 planline:0.1.0
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
RUN mvn -B -q package -DskipTests

FROM eclipse-temurin:17-jre
# Inductor-compiled CPU kernels (the built-in models' and exported ones) need OpenMP and SLEEF;
# without them the server falls back to the Java kernels (planline.kernels: auto).
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 libsleef3 \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --no-create-home planline
WORKDIR /app
COPY --from=build /src/target/planline.jar /app/planline.jar
USER 10001
EXPOSE 8080
# JavaCPP unpacks OpenBLAS's natives into a cache folder; the user has no home, so name one.
ENTRYPOINT ["java", "-Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp", "-jar", "/app/planline.jar"]
