mkdir -p proj/docs proj/lib
echo readme > proj/README
echo guide > proj/docs/guide.md
echo code > proj/lib/x.py
tar cf proj.tar proj
tar tf proj.tar | sort
mkdir out
tar xf proj.tar -C out proj/docs/guide.md
find out -type f | sort
cat out/proj/docs/guide.md
