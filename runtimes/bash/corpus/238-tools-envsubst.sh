# envsubst: templating a config file from the environment.
export GREETING=hello WHO=world PORT=8080
cat > app.conf.tmpl <<'T'
greeting = "${GREETING}, $WHO"
listen = 0.0.0.0:${PORT}
unset = "$NOT_SET"
literal = $5 and ${ and $
T
envsubst < app.conf.tmpl
echo '$GREETING ${WHO}' | envsubst '$WHO'
