# tar: create, list and extract what the case made, compared with GNU tar 1.34 (no mtimes or owners shown).

#### create-list
mkdir -p d/s; printf 'a\n' > d/a; printf 'b\n' > d/s/b
tar cf x.tar d
tar tf x.tar | sort

#### create-extract
mkdir d; printf 'hello\n' > d/f
tar cf x.tar d
rm -r d
tar xf x.tar
cat d/f

#### gzip-roundtrip
mkdir d; printf 'z\n' > d/f
tar czf x.tgz d
mkdir out
tar xzf x.tgz -C out
cat out/d/f

#### dash-options
mkdir d; printf 'q\n' > d/f
tar -c -f x.tar d
tar -t -f x.tar | sort

#### long-options
mkdir d; printf 'q\n' > d/f
tar --create --file=x.tar d
tar --list --file=x.tar | sort

#### verbose-create
mkdir d; printf 'q\n' > d/f
tar cvf x.tar d | sort

#### extract-to-directory
printf 'x\n' > f
tar cf x.tar f
mkdir dest
tar xf x.tar -C dest
ls dest

#### change-dir-create
mkdir -p base/inner; printf 'i\n' > base/inner/f
tar cf x.tar -C base inner
tar tf x.tar | sort

#### to-stdout
mkdir d; printf 'content\n' > d/f
tar cf x.tar d
tar xOf x.tar d/f

#### strip-components
mkdir -p a/b; printf 's\n' > a/b/f
tar cf x.tar a
mkdir out
tar xf x.tar -C out --strip-components=1
find out | sort

#### exclude
mkdir d; touch d/keep.txt d/skip.log
tar cf x.tar --exclude='*.log' d
tar tf x.tar | sort

#### extract-one-member
mkdir d; printf '1\n' > d/a; printf '2\n' > d/b
tar cf x.tar d
rm -r d
tar xf x.tar d/b
find d | sort

#### missing-member
printf 'x\n' > f
tar cf x.tar f
tar xf x.tar nope 2>/dev/null
echo "status $?"

#### missing-archive
tar tf nope.tar 2>/dev/null
echo "status $?"

#### stdin-stdout
mkdir d; printf 'p\n' > d/f
tar cf - d | tar tf - | sort

#### pipe-extract
mkdir d; printf 'p\n' > d/f
tar cf - d | (mkdir o && cd o && tar xf -)
cat o/d/f

#### gzip-detect
printf 'g\n' > f
tar czf x.tgz f
tar tf x.tgz

#### absolute-path-member
printf 'x\n' > f
tar cf x.tar "$PWD/f" 2>/dev/null
tar tf x.tar | sed "s|${PWD#/}|WS|"

#### multiple-paths
printf '1\n' > a; printf '2\n' > b
tar cf x.tar a b
tar tf x.tar

#### verbose-list-fixed
printf 'abc\n' > f
tar cf x.tar --owner=root --group=root --mode=644 --mtime='2024-01-01 10:00' f
tar tvf x.tar

#### overwrite
printf 'new\n' > f
tar cf x.tar f
printf 'old\n' > f
tar xf x.tar
cat f

#### files-from
printf 'a\n' > a; printf 'b\n' > b; printf 'a\nb\n' > list
tar cf x.tar -T list
tar tf x.tar

#### append
printf 'a\n' > a; printf 'b\n' > b
tar cf x.tar a
tar rf x.tar b
tar tf x.tar

#### bzip2
printf 'a\n' > a
tar cjf x.tbz a 2>/dev/null && tar tjf x.tbz
echo "status $?"

#### empty-dir
mkdir -p d/e
tar cf x.tar d
rm -r d
tar xf x.tar
find d | sort

#### auto-compress
printf 'a\n' > a
tar caf x.tar.gz a
tar tzf x.tar.gz
