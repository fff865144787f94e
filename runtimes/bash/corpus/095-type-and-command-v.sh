f() { :; }
type echo
type f | head -n 1
type -t echo
type -t f
type -t if
type -t nosuchthing || echo "nosuchthing: $?"
command -v cd
command -v f
command -v nosuch || echo "not found: $?"
builtin echo "via builtin"
command echo "via command"
