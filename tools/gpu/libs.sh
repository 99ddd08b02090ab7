# NVIDIA's libraries that planline's CUDA backend calls through JNA, cuBLAS (products) and cuDNN
# (convolutions): the ones PyTorch's wheels bring (CUDA 13) unless PLANLINE_CUBLAS /
# PLANLINE_CUDNN name others. Sourced by the GPU proofs; the backend reads both variables.
export PLANLINE_CUBLAS=${PLANLINE_CUBLAS:-$(find / -xdev -name 'libcublas.so.1[0-9]' 2>/dev/null | head -n 1)}
export PLANLINE_CUDNN=${PLANLINE_CUDNN:-$(find / -xdev -name 'libcudnn.so.[89]' 2>/dev/null | head -n 1)}
# cuDNN 9 opens its parts (libcudnn_cnn.so.9, ...) by name, and they open cuBLASLt
for lib in "$PLANLINE_CUBLAS" "$PLANLINE_CUDNN"; do
  [ -n "$lib" ] && export LD_LIBRARY_PATH="$(dirname "$lib")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
done
echo "cuBLAS: ${PLANLINE_CUBLAS:-none found}; cuDNN: ${PLANLINE_CUDNN:-none found}"
