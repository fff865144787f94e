seq 1 10000 | gzip -c | gunzip -c | tail -n 1
seq 1 10000 | gzip | wc -c | awk '{print ($1 < 30000) ? "compressed" : "not compressed"}'
printf 'stream\n' | gzip | base64 | base64 -d | zcat
