mkdir src
for i in 1 2 3; do echo "content $i" > "src/file$i.txt"; done
for f in src/*.txt; do mv -- "$f" "${f%.txt}.md"; done
ls src
cat src/file2.md
count=$(ls src | wc -l)
echo "count=$count"
