# Switchboard: one image, started with node directly so SIGTERM reaches it.
FROM node:22-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# npm ci runs src/db/patch-postgres.mjs (postinstall): a fix to postgres.js the release lacks.
COPY src/db/patch-postgres.mjs ./src/db/patch-postgres.mjs
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY src ./src
COPY channels ./channels
COPY migrations ./migrations

ENV PORT=3000 DATA_DIR=/data
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "src/main.ts"]
