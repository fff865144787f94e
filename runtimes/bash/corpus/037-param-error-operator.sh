v=ok
echo "${v:?v must be set}"
echo "${missing:?missing must be set}"
echo "not reached"
