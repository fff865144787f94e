# find: common searches, compared with GNU find 4.9 (output sorted: directory-read order is unspecified).

#### all-entries
mkdir -p d/a/b; touch d/x d/a/y d/a/b/z
find d | sort

#### name-glob
mkdir -p d/s; touch d/a.txt d/b.log d/s/c.txt
find d -name '*.txt' | sort

#### iname
mkdir d; touch d/A.TXT d/b.txt
find d -iname '*.txt' | sort

#### type-f-d
mkdir -p d/s; touch d/f d/s/g
find d -type f | sort
find d -type d | sort

#### maxdepth
mkdir -p d/s/t; touch d/1 d/s/2 d/s/t/3
find d -maxdepth 1 | sort

#### mindepth
mkdir -p d/s/t; touch d/1 d/s/2 d/s/t/3
find d -mindepth 2 | sort

#### dot-start
mkdir s; touch s/f top
find . -type f | sort

#### path-test
mkdir -p d/src/x d/doc; touch d/src/x/a d/doc/a
find d -path '*/src/*' -type f

#### not-name
mkdir d; touch d/a.txt d/b.log
find d -type f ! -name '*.txt'

#### or-names
mkdir d; touch d/a.c d/b.h d/c.o
find d \( -name '*.c' -o -name '*.h' \) | sort

#### empty
mkdir -p d/e; touch d/zero; printf 'x' > d/one
find d -empty | sort

#### size
mkdir d; printf '%2000s' x > d/big; printf 'x' > d/small
find d -type f -size +1k

#### size-bytes
mkdir d; printf 'abc' > d/three; printf 'ab' > d/two
find d -size 3c

#### prune
mkdir -p d/skip d/keep; touch d/skip/f d/keep/f
find d -name skip -prune -o -type f -print

#### exec-semicolon
mkdir d; printf 'hi\n' > d/a; printf 'yo\n' > d/b
find d -type f -exec cat {} \; | sort

#### exec-plus
mkdir d; touch d/a d/b
find d -type f -exec echo files: {} + | tr ' ' '\n' | sort

#### print0
mkdir d; touch d/a d/b
find d -type f -print0 | sort -z | tr '\0' '\n'

#### printf-basic
mkdir -p d/s; printf 'abc' > d/s/f
find d -type f -printf '%f %s %d %h %P\n'

#### printf-type
mkdir -p d/s; touch d/f
find d -printf '%y %p\n' | sort

#### delete
mkdir -p d/s; touch d/a.tmp d/s/b.tmp d/keep
find d -name '*.tmp' -delete
find d | sort

#### regex
mkdir d; touch d/a1 d/b22 d/c
find d -regex '.*/[a-z][0-9]+' | sort

#### regex-extended
mkdir d; touch d/a1 d/b22 d/c
find d -regextype posix-extended -regex '.*/[a-z][0-9]{2}'

#### newer
mkdir d; touch -d '2020-01-01' d/old; touch -d '2030-01-01' d/new; touch -d '2025-01-01' ref
find d -newer ref

#### missing-start
find nope 2>/dev/null
echo "status $?"

#### quit
mkdir d; touch d/a
find d -type f -quit; echo "status $?"

#### depth-order
mkdir -p d/s; touch d/s/f
find d -depth

#### and-implicit
mkdir d; touch d/a.txt; mkdir d/b.txt
find d -name '*.txt' -type f

#### wholename-dot
mkdir s; touch s/x
find . -path ./s/x

#### count-lines
mkdir -p d/s; touch d/1 d/2 d/s/3
find d -type f | wc -l

#### type-list
mkdir -p d/s; touch d/f
find d -type f,d | sort

#### mtime
mkdir d; touch d/new; touch -d '2000-01-01' d/old
find d -type f -mtime +30

#### perm
mkdir d; touch d/a; chmod 644 d/a
find d -type f -perm -u=r

#### ls-action
mkdir d; touch d/a
find d -name a -ls | wc -l
