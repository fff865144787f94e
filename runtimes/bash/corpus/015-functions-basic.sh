greet() {
  echo "hello, $1"
}
function shout {
  echo "${1^^}!"
}
greet world
shout quiet
add() { echo $(($1 + $2)); }
echo "sum=$(add 3 4)"
