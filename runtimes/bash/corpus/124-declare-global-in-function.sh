setup() {
  declare -g G_NAME=global-from-func
  declare -g -A G_MAP=([k]=v)
  local L=local
  readonly R_IN_FUNC=1
}
setup
echo "$G_NAME ${G_MAP[k]} ${L-unset} $R_IN_FUNC"
counter=0
incr() { counter=$((counter + 1)); }
for _ in 1 2 3; do incr; done
echo "counter=$counter"
