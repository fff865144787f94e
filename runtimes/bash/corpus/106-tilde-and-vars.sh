x=~
[ "$x" = "$HOME" ] && echo "tilde is HOME"
echo "~ in quotes stays: ~"
y="${x}/sub"
[ "$y" = "$HOME/sub" ] && echo "concat ok"
echo "script: $0"
echo "${BASH_SOURCE[0]}"
echo "LINENO=$LINENO"
