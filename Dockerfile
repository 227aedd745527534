# syntax=docker/dockerfile:1
# aws-devo-collector: the worker as one bundled file on Node.js 24. See docs/deploy-container.md.
#
# Layout inside the image (the config/ and certs/ folders side by side, as Devo's on-premise collectors have them):
#   /etc/devo/collector/config/collector.yaml   the configuration (mount read-only)
#   /etc/devo/collector/certs/                  Devo domain chain.crt, domain.crt, domain.key (mount read-only)
#   /var/lib/aws-devo-collector/                state (globals.persistence.config.directory_name), writable volume
# The worker finds certs/ beside the config's folder on its own; /healthz and /metrics are on port 9464.

ARG NODE_IMAGE=node:24-slim

# ---- build: install the locked dependencies and bundle the worker ----------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY worker/ worker/
COPY scripts/build.ts scripts/bundle-constants.ts scripts/
RUN npm run build \
 && node dist/aws-devo-collector.mjs --version

# ---- runtime: Node.js and the bundle (with the licences of the code inside it), nothing else ---------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# A dedicated user without a shell or home; the ids are fixed so mounted folders can be prepared on the host.
RUN groupadd --system --gid 10001 collector \
 && useradd --system --uid 10001 --gid collector --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin collector \
 && mkdir -p /etc/devo/collector/config /etc/devo/collector/certs /var/lib/aws-devo-collector \
 && chown collector:collector /var/lib/aws-devo-collector \
 && chmod 0750 /var/lib/aws-devo-collector
COPY --from=build --chown=root:root --chmod=0444 \
     /src/dist/aws-devo-collector.mjs /src/dist/THIRD-PARTY-LICENSES.txt /opt/aws-devo-collector/

ENV NODE_ENV=production \
    LOG_LEVEL=info
USER collector:collector
WORKDIR /var/lib/aws-devo-collector
VOLUME ["/var/lib/aws-devo-collector"]
EXPOSE 9464

# The worker drains on SIGTERM: it stops receiving, finishes or hands back in-flight messages within
# globals.shutdown_grace_seconds (30 s by default). Give it longer than that: `docker stop -t 45`,
# `stop_grace_period: 45s` in Compose, `stopTimeout: 45` on ECS.
STOPSIGNAL SIGTERM

# /healthz answers 200 while collecting and 503 once stopping. The image has no curl: Node's fetch does the probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# --max-semi-space-size=16 caps V8's young generation (sized from the host's memory otherwise): it keeps a 1 GB
# object under 170 MB of RSS (scripts/build.ts, RUNTIME_NODE_ARGS; `npm run bench`).
ENTRYPOINT ["node", "--max-semi-space-size=16", "/opt/aws-devo-collector/aws-devo-collector.mjs"]
CMD ["run", "--config", "/etc/devo/collector/config/collector.yaml", "--metrics-port", "9464"]
