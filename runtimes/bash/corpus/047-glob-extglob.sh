shopt -s extglob
mkdir w && cd w
touch a.jpg b.png c.gif readme.md notes.txt
echo *.@(jpg|png)
echo !(*.md|*.txt)
echo +([a-z]).txt
v="aaab"
echo "${v##+(a)}"
[[ foo.tar.gz == *.@(gz|bz2) ]] && echo "extglob in [[ ]]"
