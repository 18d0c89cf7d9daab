// Empty stand-in: k8s.io/kubernetes v1.34.4 lists this staging module, the module proxy
// serves no v0.34.4 of it, and kube-apiserver imports none of its packages.
module k8s.io/cli-runtime

go 1.24.0
