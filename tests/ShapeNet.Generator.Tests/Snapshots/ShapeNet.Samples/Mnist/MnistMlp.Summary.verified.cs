MnistMlp
Layer         Op      Output shape  Param #  FLOPs/sample
---------------------------------------------------------
fc1           Linear  [Batch, 512]  401,920       802,816
Relu(Fc1(x))  Relu    [Batch, 512]        0           512
fc2           Linear  [Batch, 256]  131,328       262,144
Relu(Fc2(h))  Relu    [Batch, 256]        0           256
fc3           Linear  [Batch, 128]   32,896        65,536
Relu(Fc3(h))  Relu    [Batch, 128]        0           128
fc4           Linear  [Batch, 64]     8,256        16,384
Relu(Fc4(h))  Relu    [Batch, 64]         0            64
fc5           Linear  [Batch, 10]       650         1,280
=========================================================
Parameters: 575,050 (2,300,200 bytes)
Forward FLOPs per sample: 1,149,120
Activations + gradients per sample: 13,304 bytes
Plan memory at batch 64: 851,468 bytes
