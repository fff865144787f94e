# 3.5.2 Tilde Expansion.
#### home
[ ~ = "$HOME" ] && echo same
#### home-slash
echo ~/x | sed "s|$HOME|H|"
#### home-changed
HOME=/tmp/h; echo ~ ~/a
#### home-unset
unset HOME; echo ~ | grep -c /
#### quoted-no-expansion
echo "~" '~' \~
#### tilde-plus-minus
cd /; OLDPWD=/usr; echo ~+ ~-
#### tilde-middle-word
echo a~b x=~ | sed "s|$HOME|H|"
#### tilde-in-assignment
HOME=/h; a=~:~/b; echo "$a"
#### tilde-in-export
HOME=/h; export E=~/x; echo "$E"
#### tilde-unknown-user
echo ~nosuchuser12345/x
#### tilde-root-user
echo ~root
#### tilde-in-double-quoted-default
HOME=/h; unset v; echo "${v:-~}" ${v:-~}
#### tilde-in-array
HOME=/h; a=(~ ~/x); echo "${a[@]}"
#### tilde-after-colon-in-arg
HOME=/h; echo a:~/b
#### tilde-dirstack
HOME=/h; cd /; pushd /usr >/dev/null; echo ~0 ~1
