check() { : "${APP_TOKEN:?APP_TOKEN is required}"; echo "token ok"; }
APP_TOKEN=abc check
( check ) 2>&1 | sed 's/^.*APP_TOKEN/APP_TOKEN/'
echo "subshell status ${PIPESTATUS[0]}"
missing=()
for v in HOME PWD NOT_SET_X NOT_SET_Y; do
  [[ -n ${!v:-} ]] || missing+=("$v")
done
echo "missing: ${missing[*]}"
