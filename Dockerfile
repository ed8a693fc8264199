# Pathways container image (docs/deployment.md). Build: docker build -t pathways .
# Three stages: `build` compiles the TypeScript and the web portal with every dependency;
# `deps` installs the production dependencies only; the runtime image gets those two and the few
# files read at run time, and runs as an unprivileged user. No secret is baked in: the service
# key, the database URL and the PKI files come from the environment at run time.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts off: `prepare` would build before the sources are here (the build runs below).
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY web ./web
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No production dependency has an install script (native code comes as prebuilt packages).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/var/lib/pathways
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY migrations ./migrations
# The example EPS messages the demo data (PATHWAYS_DEMO=1) is built from.
COPY test/fixtures/eps ./test/fixtures/eps
# DATA_DIR: generated keys and CA files when not given (mount a volume, or an emptyDir on a
# read-only root filesystem). The application files stay root's and read-only to the service.
RUN mkdir -p /var/lib/pathways && chown 1000:1000 /var/lib/pathways
# The image's `node` user, by number so that Kubernetes can check runAsNonRoot.
USER 1000:1000
EXPOSE 3000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/pathways.js"]
CMD ["serve"]
