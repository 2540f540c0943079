# race-api: built as scripts/smoke-race-api.sh builds it (and .ci/run proves), then a slim runtime.
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libcurl4-openssl-dev libssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN swift build -c release --product race-api --static-swift-stdlib

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libcurl4 libssl3 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/.build/release/race-api /usr/local/bin/race-api
ENV HOST=0.0.0.0 PORT=8000
EXPOSE 8000
USER nobody
CMD ["race-api"]
