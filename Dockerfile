# Two images from one file.
#   race-api (the default, last stage): built as scripts/smoke-race-api.sh builds it, then a slim runtime.
#   mock-s3:  docker build --target mock-s3 -t mock-s3 . && docker run -p 9000:9000 mock-s3
#             a fully static binary (scripts/build-static-mock-s3.sh) in an empty image.
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libcurl4-openssl-dev libssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .

FROM build AS build-mock-s3
RUN swift build -c release --product mock-s3 -Xswiftc -static-executable --scratch-path .build-static \
    && mkdir -p /out && strip -o /out/mock-s3 .build-static/release/mock-s3

FROM scratch AS mock-s3
COPY --from=build-mock-s3 /out/mock-s3 /mock-s3
EXPOSE 9000
ENTRYPOINT ["/mock-s3", "--host", "0.0.0.0", "--port", "9000"]
CMD ["--accept-any-credentials", "--admin"]

FROM build AS build-race-api
RUN swift build -c release --product race-api --static-swift-stdlib

FROM debian:bookworm-slim AS race-api
RUN apt-get update && apt-get install -y --no-install-recommends libcurl4 libssl3 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build-race-api /src/.build/release/race-api /usr/local/bin/race-api
ENV HOST=0.0.0.0 PORT=8000
EXPOSE 8000
USER nobody
CMD ["race-api"]
