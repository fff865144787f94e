mkdir -p proj/{src,test,docs}/{a,b}
find proj -type d | sort
touch proj/src/a/file.txt
cp proj/src/a/file.txt{,.bak}
ls proj/src/a
