mkdir w && cd w
mkdir -p a/b/c
echo x > a/b/c/file
cp -r a copy
mv copy/b/c/file copy/b/c/renamed
rm -r a/b/c
find a copy | sort
rm -rf copy a
ls
mkdir d 2>/dev/null && mkdir d 2>/dev/null || echo "mkdir existing fails"
rm nofile 2>/dev/null || echo "rm missing fails"
rm -f nofile && echo "rm -f ok"
