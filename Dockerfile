# syntax=docker/dockerfile:1
# The one image of the worker, the starter and the codec server (`docker-compose.yml` picks the
# command). TypeScript runs through tsx (a runtime dependency), so there is no compile step: the
# build stage only installs dependencies, the runtime stage copies them with the sources.

# ---- build: install exactly the lockfile, then drop the dev dependencies ----
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: sources + production node_modules, as the unprivileged `node` user ----
FROM node:20-slim AS runtime
# Two malloc arenas instead of glibc's 8 per core: the worker's threads (Node's, the SDK core's)
# otherwise each keep freed memory in their own arena — ~100 MiB of RSS measured (docs/performance.md).
ENV NODE_ENV=production MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json package-lock.json tsconfig.json ./
COPY --chown=node:node bin ./bin
COPY --chown=node:node src ./src
COPY --chown=node:node workflows ./workflows
COPY --chown=node:node activities ./activities
USER node
# webhook (starter), codec server, worker metrics
EXPOSE 8080 8888 9464
ENTRYPOINT ["node", "bin/handoff.js"]
CMD ["worker"]
