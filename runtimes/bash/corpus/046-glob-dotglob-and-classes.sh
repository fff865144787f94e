mkdir w && cd w
touch .a .b c D e1 E2
echo *
shopt -s dotglob
echo *
shopt -u dotglob
echo [[:upper:]]*
echo [[:lower:]]*
echo *[[:digit:]]
