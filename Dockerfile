# TokenWatch against a ClickHouse server (see docker-compose.yml). The embedded engine
# (chDB) also works in this image: leave CLICKHOUSE_URL unset and it stores data in /data.
FROM node:20-slim

WORKDIR /app

# Only what the build and the runtime need (no host node_modules, dist or data).
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY sql ./sql
COPY dashboards ./dashboards

# `npm install` builds dist/ through the prepare script; the explicit build is a no-op
# then, kept so a change to the scripts cannot leave dist/ stale. Dev dependencies
# (the TypeScript compiler) go once it is built.
RUN npm install --no-audit --no-fund \
    && npm run build \
    && npm prune --omit=dev --no-audit --no-fund \
    && npm cache clean --force \
    && mkdir -p /data && chown node:node /data

ENV NODE_ENV=production \
    TOKENWATCH_HOST=0.0.0.0 \
    TOKENWATCH_PORT=8080 \
    TOKENWATCH_DATA_DIR=/data

USER node
VOLUME ["/data"]
EXPOSE 8080
CMD ["node", "bin/tokenwatch.js", "serve"]
