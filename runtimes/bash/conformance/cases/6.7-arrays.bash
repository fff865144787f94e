# 6.7 Arrays: indexed (literal, assignment, sparse, slices, "${a[@]}" forms) and associative.
#### literal
a=(x y z); echo "${a[0]} ${a[2]}"
#### literal-quoted-elements
a=('a b' "c d" e); echo "${#a[@]}"; printf '<%s>' "${a[@]}"; echo
#### literal-indexed
a=([3]=c [1]=a); echo "${!a[@]} ${a[*]}"
#### literal-mixed-index
a=(x [5]=y z); echo "${!a[@]}: ${a[*]}"
#### element-assign
a[2]=two; echo "${#a[@]} ${!a[@]} ${a[2]}"
#### scalar-is-element-zero
v=scalar; echo "${v[0]}"; a=(1 2); echo "$a"
#### assign-scalar-to-array
a=(1 2 3); a=new; echo "${a[@]}"
#### length
a=(1 2 3 4); echo "${#a[@]} ${#a[*]}"
#### element-length
a=(abc de); echo "${#a[0]} ${#a[1]}"
#### sparse-keys
a=(); a[1]=x; a[10]=y; a[5]=z; echo "${!a[@]}"; echo "${a[@]}"
#### sparse-length
a=([0]=a [100]=b); echo "${#a[@]}"
#### unset-element
a=(a b c); unset 'a[1]'; echo "${#a[@]} ${!a[@]} ${a[*]}"
#### unset-whole
a=(a b); unset a; echo "[${a[*]-}] ${#a[@]}"
#### negative-index
a=(a b c); echo "${a[-1]} ${a[-3]}"
#### negative-index-assign
a=(a b c); a[-1]=Z; echo "${a[@]}"
#### negative-index-out-of-range
a=(a b); a[-5]=x; echo "status $?"
#### negative-index-read-out-of-range
a=(a b); echo "[${a[-5]}]"
#### append-elements
a=(1); a+=(2 3); a+=(4); echo "${a[@]}"
#### append-to-element
a=(ab); a[0]+=cd; echo "${a[0]}"
#### append-sparse
a=([5]=x); a+=(y); echo "${!a[@]}"
#### at-quoted
a=('a b' c); for x in "${a[@]}"; do echo "<$x>"; done
#### star-quoted
a=('a b' c); for x in "${a[*]}"; do echo "<$x>"; done
#### star-ifs
a=(a b c); IFS=,; echo "${a[*]}"
#### unquoted-at-splits
a=('a b' c); for x in ${a[@]}; do echo "<$x>"; done
#### slice
a=(0 1 2 3 4 5); echo "${a[@]:2:3}"
#### slice-from
a=(0 1 2 3 4 5); echo "${a[@]:4}"
#### slice-negative
a=(0 1 2 3 4 5); echo "${a[@]: -2}"
#### slice-sparse
a=([1]=a [5]=b [9]=c); echo "${a[@]:2}"
#### slice-sparse-forms
a=([1]=a [5]=b [9]=c); echo "${a[@]:5}|${a[@]:6:1}|${a[@]: -1}|${a[@]: -5}|${a[@]: -20}|${a[@]:10}|${a[*]:0:2}"
#### slice-beyond
a=(1 2); echo "[${a[@]:5}]"
#### slice-element-string
a=(hello); echo "${a[0]:1:3}"
#### copy
a=('x y' z); b=("${a[@]}"); echo "${#b[@]} ${b[0]}"
#### copy-compacts-sparse
a=([3]=x [7]=y); b=("${a[@]}"); echo "${!b[@]}"
#### pattern-ops-each
a=(file.c dir/file.h); echo "${a[@]##*/}" "${a[@]%.*}"
#### replace-each
a=(aa ba ca); echo "${a[@]/a/X}"
#### index-arith
a=(a b c d); i=1; echo "${a[i+1]} ${a[$i*2]}"
#### index-variable-name
a=(a b c); i=2; echo "${a[i]}"
#### declare-a
declare -a a=(1 2); declare -p a
#### declare-p-sparse
a=([2]=x [4]='y z'); declare -p a
#### declare-p-quoting
a=('a"b' "c'd" '$e'); declare -p a
#### declare-p-empty
a=(); declare -p a
#### array-in-arith
a=(5 6); echo $(( a[0] + a[1] ))
#### arith-index-assign
a=(); (( a[2] = 7 )); echo "${a[2]} ${#a[@]}"
#### read-into-array
read -ra a <<< 'one two three'; echo "${#a[@]} ${a[2]}"
#### keys-of-empty
a=(); echo "[${!a[@]}]"
#### for-over-keys
a=(x y z); for i in "${!a[@]}"; do echo "$i=${a[i]}"; done
#### array-from-glob
mkdir w && cd w && touch a b c; f=(*); echo "${#f[@]}"
#### array-from-cmdsub
a=($(printf '1 2\n3')); echo "${#a[@]}"
#### element-with-newline
a=($'a\nb' c); echo "${#a[@]}"
#### nested-expansion-index
a=(1 2 3); b=(0 2); echo "${a[${b[1]}]}"
#### unset-last-element-negative
a=(1 2 3); unset 'a[-1]'; echo "${a[@]}"
#### unset-all-star
a=(1 2); unset 'a[@]'; echo "${#a[@]}"
#### assoc-basic
declare -A m; m[one]=1; m[two]=2; echo "${m[one]} ${m[two]} ${#m[@]}"
#### assoc-literal
declare -A m=([a]=1 [b]=2); echo "${m[a]}${m[b]}"
#### assoc-keys-sorted
declare -A m=([c]=3 [a]=1 [b]=2); printf '%s\n' "${!m[@]}" | sort
#### assoc-values-sorted
declare -A m=([c]=3 [a]=1 [b]=2); printf '%s\n' "${m[@]}" | sort
#### assoc-key-with-space
declare -A m; m["a b"]=x; k="a b"; echo "${m[$k]} ${m[a b]}"
#### assoc-unset-key
declare -A m=([a]=1 [b]=2); unset 'm[a]'; echo "${#m[@]} ${!m[@]}"
#### assoc-missing-key
declare -A m; echo "[${m[nope]}]"
#### assoc-test-key
declare -A m=([k]=v); [[ -v m[k] ]] && echo has; [[ -v m[x] ]] || echo missing
#### assoc-without-declare
m[key]=v; declare -p m
#### assoc-append
declare -A m=([a]=1); m+=([b]=2); m[a]+=0; echo "${m[a]} ${m[b]}"
#### assoc-numeric-key-string
declare -A m; m[1+1]=x; echo "${!m[@]}"
#### assoc-declare-p-single
declare -A m=([k]='v w'); declare -p m
#### assoc-count-words
declare -A c; for w in a b a c a; do c[$w]=$(( ${c[$w]:-0} + 1 )); done; for k in a b c; do echo "$k ${c[$k]}"; done
#### assoc-iterate
declare -A m=([x]=1 [y]=2); for k in "${!m[@]}"; do echo "$k=${m[$k]}"; done | sort
#### assoc-key-quotes
declare -A m; m['$x']=lit; echo "${m['$x']}"
#### assoc-compound-list-kv
declare -A m=(a 1 b 2); echo "${m[a]} ${m[b]}"
#### assoc-to-indexed-error
declare -A m; declare -a m 2>&1; echo "status $?"
#### indexed-to-assoc-error
a=(1); declare -A a; echo "status $?"
#### assoc-empty-key
declare -A m; m[""]=x; echo "status $?"
#### assoc-at-key
declare -A m; m[@]=x; echo "status $?"
#### assoc-length-element
declare -A m=([k]=hello); echo "${#m[k]}"
#### assoc-local
f() { local -A l=([i]=1); echo "${l[i]}"; }; f; declare -p l 2>/dev/null || echo no-global
#### readonly-array
declare -ra r=(1 2); r[0]=9; echo "status $? ${r[0]}"
#### array-export-not
declare -a a=(1 2); export a; bash -c 'echo "[${a-unset}]"'
#### array-export-assoc-not
declare -A m=([k]=v); export m; s=1; export s; bash -c 'echo "[${m-unset}] [$s]"'
#### integer-array
declare -ai n=(1+1 2*3); echo "${n[@]}"
#### lower-array
declare -al l=(ABC Def); echo "${l[@]}"
#### index-expansion-once
i=0; a=(); a[i++]=x; a[i++]=y; echo "${a[@]} $i"
#### array-length-unset
unset a; echo "${#a[@]}"
#### string-index-on-scalar
s=abc; echo "[${s[1]}]"
#### array-in-double-quotes-concat
a=(1 2); echo "x${a[@]}y"
#### array-concat-two
a=(1 2); b=(3); c=("${a[@]}" "${b[@]}"); echo "${c[@]} ${#c[@]}"
#### array-remove-middle-compact
a=(a b c d); a=("${a[@]:0:1}" "${a[@]:2}"); echo "${a[@]}"
#### array-reverse-loop
a=(1 2 3); for ((i=${#a[@]}-1; i>=0; i--)); do printf '%s ' "${a[i]}"; done; echo
#### array-join-with-printf
a=(x y z); printf -v s '%s,' "${a[@]}"; echo "${s%,}"
#### array-sort-pipe
a=(c a b); mapfile -t s < <(printf '%s\n' "${a[@]}" | sort); echo "${s[@]}"
#### array-contains
a=(a b c); [[ " ${a[*]} " == *" b "* ]] && echo contains
#### array-dollar-at-to-array
set -- 'p q' r; a=("$@"); echo "${#a[@]}"
#### array-star-empty-ifs
a=(a b); IFS=; echo "${a[*]}"
#### array-bad-subscript
a=(1); echo "${a[x y]}"; echo "status $?"
#### array-subscript-negative-unset
a=(1 2); unset 'a[-3]'; echo "status $?"
#### array-assign-plus-index
a=(1 2 3); a+=([1]=X); echo "${a[@]}"
#### array-keys-assoc-at-quoted
declare -A m=([a b]=1); for k in "${!m[@]}"; do echo "<$k>"; done
#### array-declare-a-scalar-convert
v=x; declare -a v; declare -p v
#### array-indirect-whole
a=(1 2 3); n='a[@]'; echo "${!n}"
#### array-element-glob
mkdir w && cd w && touch f1; a=('f*'); echo ${a[0]} "${a[0]}"
#### array-length-of-element-multibyte
a=(abc); echo ${#a}
#### assoc-declare-p-order
declare -A m; m[z]=1; declare -p m
#### array-unset-in-loop
a=(1 2 3 4); for i in "${!a[@]}"; do (( a[i] % 2 )) && unset "a[i]"; done; echo "${a[@]} / ${!a[@]}"
#### array-subscript-quoted-string
a=(x y); echo "${a["1"]}"
#### array-assign-from-positional-slice
set -- a b c d; a=("${@:2:2}"); echo "${a[@]}"
#### assoc-numeric-looking-keys
declare -A m=([10]=a [9]=b); echo "${m[10]}${m[9]} ${#m[@]}"
#### indexed-assign-string-index-arith
a=(); x=2; a[x]=two; a[x+1]=three; echo "${!a[@]}"
#### array-at-in-string-with-ifs
a=(1 2); IFS=-; echo "${a[*]}" "x${a[*]}y"
#### array-length-after-append-sparse
a=([10]=x); a+=(y z); echo "${#a[@]} ${!a[@]}"
#### assoc-keys-with-special-chars
declare -A m; m['a]b']=1 2>/dev/null; m[x.y]=2; echo "${m[x.y]}"
#### array-printf-v-element
declare -a a; printf -v 'a[1]' '%03d' 7; echo "${a[1]}"
#### unset-assoc-at-is-a-key
declare -A h=([x]=1 [@]=2); unset 'h[@]'; declare -p h
#### negative-index-out-of-range-goes-on
a=(a b c); v="${a[-4]}x"; echo "[$v] $?"; echo "${a[-3]}"; unset a; b=(); echo "[${b[-1]}]"
