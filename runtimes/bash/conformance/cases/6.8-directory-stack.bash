# 6.8 The Directory Stack: dirs, pushd, popd.
#### dirs-initial
dirs | sed "s|$HOME|H|g"
#### pushd-popd
mkdir a; pushd a | sed "s|$HOME|H|g"; popd | sed "s|$HOME|H|g"
#### pushd-changes-dir
mkdir a; pushd a >/dev/null; basename "$PWD"; popd >/dev/null; [ "$PWD" = "$HOME" ] && echo back
#### dirs-v
mkdir a b; pushd a >/dev/null; pushd ../b >/dev/null; dirs -v | sed "s|$HOME|H|g"
#### dirs-p
mkdir a; pushd a >/dev/null; dirs -p | sed "s|$HOME|H|g"
#### dirs-l-tilde
mkdir a; pushd a >/dev/null; dirs
#### dirs-clear
mkdir a; pushd a >/dev/null; dirs -c; dirs | sed "s|$HOME|H|g"
#### pushd-no-arg-swaps
mkdir a b; cd a; pushd ../b >/dev/null; pushd >/dev/null; basename "$PWD"
#### pushd-rotate
mkdir a b c; pushd a >/dev/null; pushd ../b >/dev/null; pushd ../c >/dev/null; pushd +1 >/dev/null; dirs | sed "s|$HOME|H|g"
#### popd-empty
popd; echo "status $?"
#### pushd-missing
pushd nosuch; echo "status $?"
#### pushd-n
mkdir a; pushd -n "$PWD/a" >/dev/null; [ "$PWD" = "$HOME" ] && echo unchanged; dirs | sed "s|$HOME|H|g"
#### popd-plus-n
mkdir a b; pushd a >/dev/null; pushd ../b >/dev/null; popd +1 >/dev/null; dirs | sed "s|$HOME|H|g"
#### dirstack-array
mkdir a; pushd a >/dev/null; echo "${#DIRSTACK[@]}"; echo "${DIRSTACK[1]}" | sed "s|$HOME|H|"
#### dirs-plus-n
mkdir a; pushd a >/dev/null; dirs +1 | sed "s|$HOME|H|"
#### pushd-no-other-dir
pushd; echo "status $?"
#### dirs-out-of-range
dirs +5; echo "status $?"
#### pushd-too-many-arguments
mkdir a b; pushd a b; echo "status $?"
#### pushd-dash-is-oldpwd
mkdir a; cd a; cd ..; pushd - | sed "s|$HOME|H|g"
#### popd-invalid-argument
popd x; echo "status $?"
#### dirs-index-out-of-range-message
mkdir a; pushd a >/dev/null; dirs +5; echo "status $?"
