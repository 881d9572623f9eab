# nginx for docker-compose.yml: Debian's nginx, run with the configuration mounted from
# deploy/nginx.conf (paths relative to the prefix /var/lib/studio-nginx/).
FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/studio-nginx/logs /var/lib/studio-nginx/tmp \
    # The access log goes to the container's log (docker/podman logs).
    && ln -sf /dev/stdout /var/lib/studio-nginx/logs/access.log \
    && ln -sf /dev/stderr /var/lib/studio-nginx/logs/error.log
STOPSIGNAL SIGQUIT
CMD ["nginx", "-p", "/var/lib/studio-nginx/", "-c", "/etc/studio/nginx.conf", "-g", "daemon off;"]
